// keel/testing/coro.hpp — driving coroutines to the end from a test.
//
//   boost::asio::io_context io;
//   auto rows = keel::testing::Await(io, db.Query(q, {}, {}));   // aborts after 5 s
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

namespace keel::testing {

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

// Runs `aw` to completion on `io` and returns its value; aborts if it takes more than 5 s.
template <typename T>
T Await(boost::asio::io_context& io, boost::asio::awaitable<T> aw) {
  auto slot = Spawn(io, std::move(aw));
  if (!RunUntil(io, [&] { return slot->has_value(); })) {
    std::fprintf(stderr, "Await: the coroutine did not finish within 5 s\n");
    std::abort();
  }
  return std::move(**slot);
}

}  // namespace keel::testing
