// keel/core/with_deadline.hpp — bound any awaitable by a Deadline.
//
// Races the operation against a timer on the same executor; whichever finishes first wins and the
// other is cancelled through Asio's per-operation cancellation (so the operation's own async waits
// see operation_aborted and unwind). Include this only where needed: it pulls in Asio's awaitable
// operators.
//
//   keel::Result<std::size_t> n = co_await keel::WithDeadline(deadline, socket.async_read_some(
//       buf, asio::as_tuple(asio::use_awaitable)) ...);
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <variant>

#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"

namespace keel {

// Returns the operation's value, or kDeadlineExceeded when the deadline passed first.
template <typename T>
boost::asio::awaitable<Result<T>> WithDeadline(Deadline deadline, boost::asio::awaitable<T> op) {
  using namespace boost::asio::experimental::awaitable_operators;
  if (deadline.IsNever()) {
    co_return Result<T>(co_await std::move(op));
  }
  if (deadline.Expired()) {
    co_return Error(ErrorCode::kDeadlineExceeded, "deadline exceeded before the operation started");
  }
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, deadline.when());
  auto raced = co_await (std::move(op) || timer.async_wait(boost::asio::use_awaitable));
  if (raced.index() == 0) {
    co_return Result<T>(std::move(std::get<0>(raced)));
  }
  co_return Error(ErrorCode::kDeadlineExceeded, "deadline exceeded");
}

// Waits until `d` has passed or the deadline, whichever is first; kDeadlineExceeded in the latter
// case. Cancellable through the awaiting coroutine's cancellation slot.
boost::asio::awaitable<Result<void>> SleepFor(Duration d, Deadline deadline);

}  // namespace keel
