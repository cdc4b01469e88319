// Test helpers for keel::data: a temporary database directory and running coroutines to the end.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace keel::data::testing {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "keel-data-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
    }
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Starts `aw` on `io`; the returned slot is filled when it finishes (drive `io` meanwhile).
template <typename T>
std::shared_ptr<std::optional<T>> Spawn(boost::asio::io_context& io, boost::asio::awaitable<T> aw) {
  auto out = std::make_shared<std::optional<T>>();
  boost::asio::co_spawn(
      io,
      [out, aw = std::move(aw)]() mutable -> boost::asio::awaitable<void> {
        out->emplace(co_await std::move(aw));
      },
      boost::asio::detached);
  return out;
}

// Runs `io` until `done()` or `limit` passes; false on timeout.
template <typename Pred>
bool RunUntil(boost::asio::io_context& io, Pred done,
              std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) {
      return false;
    }
    io.restart();
    io.run_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Runs `aw` to completion on `io` and returns its value.
template <typename T>
T Await(boost::asio::io_context& io, boost::asio::awaitable<T> aw) {
  auto slot = Spawn(io, std::move(aw));
  if (!RunUntil(io, [&] { return slot->has_value(); })) {
    std::fprintf(stderr, "Await: the coroutine did not finish within 5 s\n");
    std::abort();
  }
  return std::move(**slot);
}

}  // namespace keel::data::testing
