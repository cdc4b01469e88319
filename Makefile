# keel — the two commands:
#   make run    install dependencies, build (release), start keel-shop on 127.0.0.1:8080
#   make test   install dependencies, build, run every test through CTest
# Others: make build | make asan | make tsan | make bench | make format | make clean
PRESET ?= release
JOBS ?= $(shell nproc)
BUILD_DIR := build/$(PRESET)
SHOP := $(BUILD_DIR)/apps/shop/keel-shop
LISTEN ?= 127.0.0.1:8080

.PHONY: all deps configure build run test asan tsan bench format clean help

all: build

help:
	@sed -n '1,5p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@scripts/install-deps

configure: deps
	@[ -f $(BUILD_DIR)/build.ninja ] || cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@[ -f var/shop.db ] || $(SHOP) seed --config apps/shop/shop.toml
	@echo "keel-shop: serving on http://$(LISTEN)/  (Ctrl-C drains and stops)"
	@exec $(SHOP) serve --config apps/shop/shop.toml --listen $(LISTEN)

test: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

asan:
	@$(MAKE) --no-print-directory test PRESET=asan

tsan:
	@$(MAKE) --no-print-directory test PRESET=tsan

bench: build
	@bench/http_peers.sh

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf build
