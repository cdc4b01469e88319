# Third-party dependencies, all from Debian 12's apt (scripts/install-deps).
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json url system)
find_package(OpenSSL 3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
find_package(CLI11 CONFIG REQUIRED)
if(KEEL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

# Asio configuration shared by every target that includes Boost.Asio.
add_library(keel_asio INTERFACE)
target_link_libraries(keel_asio INTERFACE Boost::boost Boost::system Threads::Threads)
# Asio keeps a per-thread cache of recently freed coroutine frames and handler memory, 2 blocks
# per purpose by default. A request's chain (admission, handler, a query) frees more frames than
# that, so every request fell back to malloc/free (~280 instructions, docs/overload.md "Cost").
# 8 blocks per purpose per thread costs nothing measurable in memory. Every translation unit that
# includes Asio must see the same value (it changes thread_info_base's layout): it is set here, on
# the one target all of them link.
target_compile_definitions(keel_asio INTERFACE
  BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE=8
  BOOST_ASIO_NO_DEPRECATED
  BOOST_ASIO_DISABLE_BOOST_COROUTINE)
