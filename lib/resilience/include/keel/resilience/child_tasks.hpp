// keel/resilience/child_tasks.hpp — coroutines started by one coroutine, each cancellable alone.
//
// Hedging and fan-out run several calls at once from one request and must be able to cancel one
// of them (the hedge that lost) or all (the deadline passed, the request was cancelled) and to
// wait until they have really finished — a child references its parent's frame, so the parent may
// not return before its children. ChildTasks gives each child its own cancellation signal and a
// single wake-up the parent awaits.
//
//   keel::resilience::ChildTasks tasks(co_await boost::asio::this_coro::executor);
//   tasks.Spawn(Fetch(a, result_a));           // awaitable<void>, writes its own result
//   tasks.Spawn(Fetch(b, result_b));
//   auto wake = co_await tasks.WaitAny(deadline.when());
//   tasks.CancelAll();
//   co_await tasks.JoinAll();                  // always, before the results go out of scope
//
// Cancellation: a parent whose own coroutine is cancelled must still cancel and join its
// children, so it runs with `co_await this_coro::throw_if_cancelled(false)` from its first child
// until after JoinAll (then restores the previous setting); otherwise its next co_await — even of
// JoinAll — would throw and leave the children running. WaitAny reports that cancellation as
// kCancelled. A child's exception is swallowed (children report through their own result slots).
//
// Thread safety: one ChildTasks belongs to its parent's executor, which must be a single-threaded
// io_context (keel's I/O threads are); children run on the same executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <vector>

#include "keel/core/clock.hpp"

namespace keel::resilience {

class ChildTasks {
 public:
  explicit ChildTasks(boost::asio::any_io_executor executor);
  ~ChildTasks();
  ChildTasks(const ChildTasks&) = delete;
  ChildTasks& operator=(const ChildTasks&) = delete;

  // Starts `task` at once; returns its index (0, 1, ...).
  std::size_t Spawn(boost::asio::awaitable<void> task);
  // Emits a terminal cancellation to a running child (no-op once it has finished).
  void Cancel(std::size_t index);
  void CancelAll();

  enum class Wake { kChildDone, kTimeout, kCancelled };
  // Returns once a child has finished since the previous wake-up (at once if one already did),
  // at `until`, or when the awaiting coroutine is cancelled.
  [[nodiscard]] boost::asio::awaitable<Wake> WaitAny(TimePoint until);
  // Waits until every child has finished.
  [[nodiscard]] boost::asio::awaitable<void> JoinAll();

  [[nodiscard]] std::size_t running() const noexcept;
  [[nodiscard]] bool finished(std::size_t index) const noexcept;

 private:
  struct State {
    explicit State(const boost::asio::any_io_executor& ex) : wake(ex) {}
    boost::asio::steady_timer wake;
    std::deque<boost::asio::cancellation_signal> signals;  // deque: stable addresses
    std::vector<bool> done;
    std::size_t running = 0;
    bool woken = false;  // a child finished since the last wake-up was consumed
  };
  boost::asio::any_io_executor executor_;
  // Shared with the children's completion handlers, which may run after the parent is gone
  // (io_context shutdown).
  std::shared_ptr<State> state_;
};

}  // namespace keel::resilience
