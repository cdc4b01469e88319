// keel/resilience/hedging.hpp — hedged requests: cut the latency tail of idempotent reads.
//
// "The Tail at Scale" (Dean & Barroso, 2013): send a second copy of a request once the first has
// been outstanding longer than the p95 of recent calls, take whichever answers first and cancel
// the other — about 5 % extra load for a much shorter tail. Here (resilience-specs.md §5):
// - the delay is the `quantile` of the latencies of the last `window` successful calls, never
//   below `min_delay`; until `min_samples` calls were observed there is no estimate and no hedge;
// - each hedge takes from a RetryBudget (default 10 % of calls), so hedging cannot double the load
//   when the dependency slows down as a whole; a refused hedge is counted, never waited for;
// - gRPC A6 semantics: the first success wins and the other attempts are cancelled (their
//   connections closed); a non-fatal failure (the retryable errors) sends the next hedge at once
//   if the budget allows; a fatal one ends the call with that error;
// - attempt i may go to another endpoint (DependencyClient uses endpoint i % n);
// - only for idempotent reads: the caller decides, this code cannot know.
//
//   keel::resilience::HedgePolicy policy({.name = "recs"}, &hedge_budget, sink);
//   auto r = co_await keel::resilience::RunHedged<Reply>(policy, deadline,
//       [&](int attempt) { return endpoints[attempt % n].Get(...); });
//
// Metrics (label dependency): keel_hedges_total (hedges sent), keel_hedges_won_total (a hedge
// answered first), keel_hedge_budget_refusals_total.
//
// Timing: attempts are scheduled on Asio timers, so RunHedged reads the steady clock (like
// keel::SleepFor); the budget keeps its injected clock.
//
// Thread safety: HedgePolicy may be used from any thread. RunHedged runs its attempts as children
// of the awaiting coroutine on its executor (see child_tasks.hpp); cancelling the awaiting
// coroutine cancels them all and returns kCancelled once they have finished.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "keel/core/clock.hpp"
#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"
#include "keel/resilience/child_tasks.hpp"
#include "keel/resilience/retry.hpp"
#include "keel/resilience/retry_budget.hpp"

namespace keel::resilience {

// The latencies of the last `capacity` successful calls and their quantiles.
// Thread safety: any thread (a mutex; a quantile is recomputed once 1/16 of the window is new).
class LatencyTracker {
 public:
  explicit LatencyTracker(std::size_t capacity = 256);
  void Record(Duration latency);
  [[nodiscard]] std::size_t samples() const;
  // nullopt when empty.
  [[nodiscard]] std::optional<Duration> Quantile(double q) const;

 private:
  mutable std::mutex mu_;
  std::vector<Duration> ring_;
  std::size_t next_ = 0;
  std::size_t size_ = 0;
  // A cached quantile: recomputing means selecting in a copy of the ring.
  mutable double cached_q_ = -1;
  mutable Duration cached_{0};
  mutable std::size_t since_cache_ = 0;
};

struct HedgeSettings {
  std::string name = "dependency";  // the `dependency` metric label
  int max_attempts = 2;             // the original included
  double quantile = 0.95;
  Duration min_delay = std::chrono::milliseconds(10);
  std::size_t min_samples = 20;
  std::size_t window = 256;
  // Which failures are non-fatal (send the next hedge at once); the others end the call.
  std::function<bool(const Error&)> non_fatal = DefaultRetryable;
};

class HedgePolicy {
 public:
  // `budget` may be null (no budget: every hedge allowed) and must outlive the policy.
  HedgePolicy(HedgeSettings settings, RetryBudget* budget, MetricSink& sink);

  // The hedge delay now, or nullopt without an estimate yet.
  [[nodiscard]] std::optional<Duration> Delay() const;
  void OnCall();                  // once per hedged call (deposits into the budget)
  [[nodiscard]] bool TryHedge();  // takes budget for one hedge; counts sent or refused
  void OnSuccess(Duration latency, bool hedge_won);
  [[nodiscard]] bool NonFatal(const Error& e) const;
  [[nodiscard]] const HedgeSettings& settings() const noexcept { return settings_; }

 private:
  HedgeSettings settings_;
  RetryBudget* budget_;
  LatencyTracker latencies_;
  Counter* sent_;
  Counter* won_;
  Counter* refused_;
};

namespace detail {

template <typename T, typename AttemptFn>
boost::asio::awaitable<void> RunAttemptInto(std::optional<Result<T>>& slot, AttemptFn& attempt,
                                            int index) {
  slot = co_await attempt(index);
}

// The state of one hedged call (a class so the parent's loop stays readable).
template <typename T, typename AttemptFn>
class HedgedCall {
 public:
  HedgedCall(HedgePolicy& policy, AttemptFn& attempt, ChildTasks& tasks)
      : policy_(policy),
        attempt_(attempt),
        tasks_(tasks),
        results_(static_cast<std::size_t>(std::max(policy.settings().max_attempts, 1))),
        started_(results_.size()),
        seen_(results_.size(), false) {}

  bool CanLaunch() const { return launched_ < results_.size(); }
  void Launch() {
    started_[launched_] = std::chrono::steady_clock::now();
    tasks_.Spawn(RunAttemptInto<T>(results_[launched_], attempt_, static_cast<int>(launched_)));
    ++launched_;
  }
  // Looks at finished attempts; returns the final result when the call is decided.
  std::optional<Result<T>> Collect() {
    for (std::size_t i = 0; i < launched_; ++i) {
      if (seen_[i] || !results_[i]) {
        continue;
      }
      seen_[i] = true;
      if (results_[i]->ok()) {
        policy_.OnSuccess(std::chrono::steady_clock::now() - started_[i], i > 0);
        return std::move(*results_[i]);
      }
      if (!policy_.NonFatal(results_[i]->error())) {
        return std::move(*results_[i]);
      }
      last_ = i;
      if (CanLaunch() && policy_.TryHedge()) {
        Launch();  // a non-fatal failure: the next hedge goes at once (gRPC A6)
      }
    }
    if (tasks_.running() == 0 && last_ < launched_) {
      return std::move(*results_[last_]);  // every attempt failed: the last error
    }
    return std::nullopt;
  }

 private:
  HedgePolicy& policy_;
  AttemptFn& attempt_;
  ChildTasks& tasks_;
  std::vector<std::optional<Result<T>>> results_;
  std::vector<TimePoint> started_;
  std::vector<bool> seen_;
  std::size_t launched_ = 0;
  std::size_t last_ = static_cast<std::size_t>(-1);
};

}  // namespace detail

// Runs `attempt(i)` (i = 0, 1, ...: awaitable<Result<T>>), hedging after policy.Delay().
template <typename T, typename AttemptFn>
boost::asio::awaitable<Result<T>> RunHedged(HedgePolicy& policy, Deadline deadline,
                                            AttemptFn attempt) {
  policy.OnCall();
  // Own the children to the end: a cancellation must not throw out of this frame before they
  // have been joined (restored below, so the caller still sees it).
  const bool throws = co_await boost::asio::this_coro::throw_if_cancelled();
  co_await boost::asio::this_coro::throw_if_cancelled(false);
  ChildTasks tasks(co_await boost::asio::this_coro::executor);
  detail::HedgedCall<T, AttemptFn> call(policy, attempt, tasks);
  call.Launch();
  const auto delay = policy.Delay();
  TimePoint next_hedge = delay ? std::chrono::steady_clock::now() + *delay : TimePoint::max();
  std::optional<Result<T>> final;
  while (!final) {
    const auto wake = co_await tasks.WaitAny(std::min(next_hedge, deadline.when()));
    if (wake == ChildTasks::Wake::kCancelled) {
      final = Error(ErrorCode::kCancelled, "hedged call cancelled");
      break;
    }
    final = call.Collect();
    const TimePoint now = std::chrono::steady_clock::now();
    if (!final && wake == ChildTasks::Wake::kTimeout && deadline.Expired(now)) {
      final = Error(ErrorCode::kDeadlineExceeded, "deadline passed during a hedged call");
    } else if (!final && now >= next_hedge) {
      const bool sent = call.CanLaunch() && policy.TryHedge();
      if (sent) {
        call.Launch();
      }
      next_hedge = sent && delay ? now + *delay : TimePoint::max();
    }
  }
  tasks.CancelAll();  // the losers: their connections are closed, not reused
  co_await tasks.JoinAll();
  co_await boost::asio::this_coro::throw_if_cancelled(throws);
  co_return std::move(*final);
}

}  // namespace keel::resilience
