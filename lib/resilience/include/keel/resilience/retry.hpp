// keel/resilience/retry.hpp — retry a failed call, without amplifying an outage.
//
// A retry is made only when all of these hold (shared/reference/resilience-specs.md §4):
// - the call is idempotent or carries an idempotency key (the caller declares it: a retry of a
//   non-idempotent call can charge a card twice);
// - the error is retryable (default: kUnavailable, kDeadlineExceeded, kOverloaded — a dependency
//   that is down, slow or refusing; never kCancelled or an answer such as kNotFound);
// - fewer than max_attempts attempts were made (the original included; gRPC A6 caps it at 5);
// - the back-off ends before the deadline: a retry that could not even start in time is not made,
//   so retries never extend a request past its deadline;
// - the RetryBudget has room (retries <= a share of requests, see retry_budget.hpp).
// The back-off is exponential with full jitter (AWS, Marc Brooker 2015): a uniform random delay
// in [0, min(cap, base * 2^retry)), the variant that does the least work under contention; the
// defaults are Envoy's (base 25 ms, cap 250 ms). A Retry-After on the error is honoured as a
// lower bound of the delay.
//
//   keel::resilience::RetryPolicy policy({.name = "recs"}, &budget, random, clock, sink);
//   keel::Result<Reply> r = co_await keel::resilience::RunWithRetry<Reply>(
//       policy, /*idempotent=*/true, deadline,
//       [&](int attempt) { return CallOnce(attempt); });
//
// Metrics (label dependency): keel_retry_attempts_total (every attempt), keel_retries_total
// (attempts after the first), keel_retry_budget_exhausted_total, keel_retry_deadline_stops_total.
//
// Thread safety: RetryPolicy and SplitMixRandom may be used from any thread. RunWithRetry sleeps
// on the awaiting coroutine's executor; cancelling the coroutine ends the sleep at once and the
// last error is returned.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "keel/core/clock.hpp"
#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"
#include "keel/core/with_deadline.hpp"
#include "keel/resilience/retry_budget.hpp"

namespace keel::resilience {

// A source of randomness, injected so that tests are deterministic.
class Random {
 public:
  virtual ~Random() = default;
  // Uniform in [0, 1).
  [[nodiscard]] virtual double Uniform() noexcept = 0;
};

// SplitMix64 over an atomic counter: lock-free, thread-safe, statistically fine for jitter.
class SplitMixRandom final : public Random {
 public:
  explicit SplitMixRandom(std::uint64_t seed) noexcept : state_(seed) {}
  [[nodiscard]] double Uniform() noexcept override;

 private:
  std::atomic<std::uint64_t> state_;
};

// Full jitter: uniform in [0, min(cap, base * 2^retry)); `retry` counts from 0 (the first retry).
[[nodiscard]] Duration FullJitterBackoff(int retry, Duration base, Duration cap, Random& random);

// The default retryable predicate: kUnavailable, kDeadlineExceeded, kOverloaded.
[[nodiscard]] bool DefaultRetryable(const Error& error) noexcept;

struct RetrySettings {
  std::string name = "dependency";  // the `dependency` metric label
  int max_attempts = 3;             // including the original; 1 = never retry
  Duration base = std::chrono::milliseconds(25);
  Duration cap = std::chrono::milliseconds(250);
  bool honor_retry_after = true;
  std::function<bool(const Error&)> retryable = DefaultRetryable;
};

enum class RetryStop : std::uint8_t {
  kRetry,              // not stopped: retry after `delay`
  kNotRetryable,       // the error is an answer, or the caller gave up
  kNotIdempotent,      // repeating the call could repeat its effect
  kAttemptsExhausted,  // max_attempts reached
  kDeadline,           // the back-off would end at or past the deadline
  kBudgetExhausted,    // retries already at their share of requests
};

struct RetryDecision {
  RetryStop stop = RetryStop::kRetry;
  Duration delay{0};
  [[nodiscard]] bool retry() const noexcept { return stop == RetryStop::kRetry; }
};

class RetryPolicy {
 public:
  // `budget` may be null (no budget) and must outlive the policy, as must `random` and `clock`.
  RetryPolicy(RetrySettings settings, RetryBudget* budget, Random& random, const Clock& clock,
              MetricSink& sink);

  // Once per logical call, before its first attempt (deposits into the budget).
  void OnCall();
  // After failed attempt number `attempts_done` (1 = the original). Takes budget only when the
  // answer is to retry.
  [[nodiscard]] RetryDecision Decide(int attempts_done, const Error& error, bool idempotent,
                                     Deadline deadline);
  [[nodiscard]] const RetrySettings& settings() const noexcept { return settings_; }

 private:
  RetrySettings settings_;
  RetryBudget* budget_;
  Random& random_;
  const Clock& clock_;
  Counter* attempts_;
  Counter* retries_;
  Counter* budget_exhausted_;
  Counter* deadline_stops_;
};

// Runs `attempt(n)` (n = 1, 2, ...: awaitable<Result<T>>) until it succeeds or the policy stops;
// returns the last attempt's result. Sleeps between attempts, never past the deadline.
template <typename T, typename AttemptFn>
boost::asio::awaitable<Result<T>> RunWithRetry(RetryPolicy& policy, bool idempotent,
                                               Deadline deadline, AttemptFn attempt) {
  policy.OnCall();
  for (int n = 1;; ++n) {
    Result<T> result = co_await attempt(n);
    if (result.ok()) {
      co_return result;
    }
    const RetryDecision decision = policy.Decide(n, result.error(), idempotent, deadline);
    if (!decision.retry()) {
      co_return result;
    }
    if (auto slept = co_await SleepFor(decision.delay, deadline); !slept) {
      co_return result;  // cancelled or out of time while backing off
    }
  }
}

}  // namespace keel::resilience
