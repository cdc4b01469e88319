// keel/resilience/fan_out.hpp — call several things in parallel, keep what succeeded.
//
// A page that needs ten items from a dependency should not wait ten round trips, nor open a
// hundred connections for a hundred items, nor lose nine answers because the tenth failed.
// FanOut runs `call(i, deadline)` for i in [0, count) with at most max_concurrency in flight,
// gathers every item's own Result (partial results on failure), and keeps the overall deadline:
// items still running when it passes are cancelled and items not started are not started; both
// come back as kDeadlineExceeded. Cancelling the awaiting coroutine cancels every item
// (kCancelled).
//
//   auto results = co_await keel::resilience::FanOut<Product>(
//       ids.size(), {.max_concurrency = 4}, ctx.deadline(),
//       [&](std::size_t i, keel::Deadline d) { return catalog.Get(ids[i], d); });
//   for (auto& r : results) if (r) page.push_back(*r);   // the ones that made it
//
// `call` must stay valid until FanOut completes (it is called, never copied); each returned
// awaitable must only reference objects that outlive FanOut.
//
// Thread safety: runs on the awaiting coroutine's (single-threaded) executor, see child_tasks.hpp.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <cstddef>
#include <optional>
#include <vector>

#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/resilience/child_tasks.hpp"

namespace keel::resilience {

struct FanOutOptions {
  std::size_t max_concurrency = 8;  // items in flight at once (>= 1)
};

namespace detail {
template <typename T, typename CallFn>
boost::asio::awaitable<void> FanOutItem(std::optional<Result<T>>& slot, CallFn& call,
                                        std::size_t index, Deadline deadline) {
  slot = co_await call(index, deadline);
}
}  // namespace detail

template <typename T, typename CallFn>
boost::asio::awaitable<std::vector<Result<T>>> FanOut(std::size_t count, FanOutOptions options,
                                                      Deadline deadline, CallFn call) {
  // Own the children to the end: a cancellation must not throw out of this frame before they
  // have been joined (restored below, so the caller still sees it).
  const bool throws = co_await boost::asio::this_coro::throw_if_cancelled();
  co_await boost::asio::this_coro::throw_if_cancelled(false);
  std::vector<std::optional<Result<T>>> slots(count);
  ChildTasks tasks(co_await boost::asio::this_coro::executor);
  const std::size_t limit = options.max_concurrency == 0 ? 1 : options.max_concurrency;
  std::size_t next = 0;
  Error stop(ErrorCode::kOk, "");
  while (stop.code() == ErrorCode::kOk) {
    while (next < count && tasks.running() < limit && !deadline.Expired()) {
      tasks.Spawn(detail::FanOutItem<T>(slots[next], call, next, deadline));
      ++next;
    }
    if (tasks.running() == 0) {
      if (next < count) {
        stop = Error(ErrorCode::kDeadlineExceeded, "deadline passed before this item started");
      }
      break;
    }
    const auto wake = co_await tasks.WaitAny(deadline.when());
    if (wake == ChildTasks::Wake::kCancelled) {
      stop = Error(ErrorCode::kCancelled, "fan-out cancelled");
    } else if (wake == ChildTasks::Wake::kTimeout) {
      stop = Error(ErrorCode::kDeadlineExceeded, "deadline passed before this item completed");
    }
  }
  // Items cut short by the deadline or a cancellation report that, not their own reaction to
  // being cancelled. (Child index == item index: they are spawned in order.)
  std::vector<bool> cut(count, false);
  for (std::size_t i = 0; i < next; ++i) {
    cut[i] = !tasks.finished(i);
  }
  tasks.CancelAll();
  co_await tasks.JoinAll();
  co_await boost::asio::this_coro::throw_if_cancelled(throws);
  std::vector<Result<T>> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto& slot = slots[i];
    if (slot && !cut[i]) {
      out.push_back(std::move(*slot));
    } else {
      out.push_back(stop.code() == ErrorCode::kOk
                        ? Error(ErrorCode::kDeadlineExceeded, "item did not complete")
                        : stop);
    }
  }
  co_return out;
}

}  // namespace keel::resilience
