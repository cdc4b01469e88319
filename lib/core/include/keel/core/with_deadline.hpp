// keel/core/with_deadline.hpp — bound any awaitable by a Deadline.
//
// Races the operation against a timer on the same executor; whichever finishes first wins and the
// other is cancelled through Asio's per-operation cancellation (so the operation's own async waits
// see operation_aborted and unwind). Include this only where needed: it pulls in Asio's parallel
// group.
//
//   keel::Result<std::size_t> n = co_await keel::WithDeadline(deadline, socket.async_read_some(
//       buf, asio::as_tuple(asio::use_awaitable)) ...);
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <exception>
#include <optional>

#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"

namespace keel {

namespace detail {
// Runs `op` and leaves its value in `*out`, which the caller's frame owns and outlives it. (Not
// through co_spawn's completion: that needs a default-constructible value, and an optional<T>
// carried through it trips GCC 12's -Wmaybe-uninitialized under the sanitizers.)
template <typename T>
boost::asio::awaitable<void> StoreInto(std::optional<T>* out, boost::asio::awaitable<T> op) {
  out->emplace(co_await std::move(op));
}
}  // namespace detail

// Returns the operation's value, or kDeadlineExceeded when the deadline passed first. An
// exception from the operation is rethrown as soon as it happens. If the awaiting coroutine is
// cancelled, both are: the result is then whatever the operation made of its cancellation.
//
// Not `op || timer.async_wait(...)`: that operator waits for the first branch to *succeed*, so the
// timer, cancelled whenever the operation wins, would have to fail by throwing (an exception per
// bounded call: every cache load and client request), and an operation that throws would only be
// reported when the deadline fires.
template <typename T>
boost::asio::awaitable<Result<T>> WithDeadline(Deadline deadline, boost::asio::awaitable<T> op) {
  if (deadline.IsNever()) {
    co_return Result<T>(co_await std::move(op));
  }
  if (deadline.Expired()) {
    co_return Error(ErrorCode::kDeadlineExceeded, "deadline exceeded before the operation started");
  }
  auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::steady_timer timer(executor, deadline.when());
  std::optional<T> value;
  auto [order, thrown, timer_error] =
      co_await boost::asio::experimental::make_parallel_group(
          boost::asio::co_spawn(executor, detail::StoreInto(&value, std::move(op)),
                                boost::asio::deferred),
          timer.async_wait(boost::asio::deferred))
          .async_wait(boost::asio::experimental::wait_for_one(), boost::asio::deferred);
  if (order[0] == 1 && !timer_error) {
    // Whatever the cancelled operation then did (returned, threw) is the deadline's doing.
    co_return Error(ErrorCode::kDeadlineExceeded, "deadline exceeded");
  }
  if (thrown) {
    std::rethrow_exception(thrown);
  }
  // The operation finished first, or the timer was cancelled with the awaiting coroutine and the
  // operation has ended too (the group waits for both).
  co_return Result<T>(std::move(*value));
}

// Waits until `d` has passed or the deadline, whichever is first; kDeadlineExceeded in the latter
// case. Cancellable through the awaiting coroutine's cancellation slot.
boost::asio::awaitable<Result<void>> SleepFor(Duration d, Deadline deadline);

}  // namespace keel
