// keel/resilience/circuit_breaker.hpp — stop calling a dependency that is failing, fail fast.
//
// resilience4j's CircuitBreaker semantics (shared/reference/resilience-specs.md §1.1):
// - CLOSED records every call's outcome in a sliding window (the last N calls, or the last N
//   seconds); once at least minimum_calls are recorded, a failure rate >= failure_rate_threshold
//   or a slow-call rate >= slow_call_rate_threshold (a call is slow when it took longer than
//   slow_call_duration, failed or not) opens the breaker.
// - OPEN refuses every call at once (kUnavailable, retry_after = the rest of the open period)
//   for wait_in_open (optionally growing by wait_in_open_multiplier on each re-open), then
//   lets the next TryAcquire() move to HALF_OPEN (lazily: no timer thread).
// - HALF_OPEN hands out exactly permitted_calls_in_half_open permits and evaluates them in a
//   fresh count window (minimum min(minimum_calls, permitted)): above a threshold → OPEN, below
//   → CLOSED. It never stays stuck (resilience4j #903/#935): a permit that is dropped unrecorded
//   gives its slot back, and after max_wait_in_half_open the breaker reopens.
// - DISABLED (always permit, record nothing) and FORCED_OPEN (always refuse) are manual.
// Deliberate difference: a call permitted before a state change that completes after it is
// counted in the metrics but not in the new state's window (gobreaker's generations), so late
// results from CLOSED cannot decide a HALF_OPEN trial.
//
//   keel::resilience::CircuitBreaker breaker({.name = "payment", .minimum_calls = 20}, clock,
//                                           sink, [&](const BreakerTransition& t) { log(t); });
//   auto permit = breaker.TryAcquire();
//   if (!permit) co_return permit.error();     // open: fail fast, Retry-After set
//   auto r = co_await Call();
//   r ? permit->Success() : permit->Failure(r.error());
//
// Metrics (label dependency): keel_breaker_state (0 closed, 1 open, 2 half-open, 3 disabled,
// 4 forced open), keel_breaker_transitions_total{from,to},
// keel_breaker_calls_total{outcome=success|failure|slow_success|slow_failure|ignored|not_permitted}.
//
// Thread safety: every member may be called from any thread (one mutex, held for nanoseconds,
// never across a wait); the transition callback runs after the mutex is released, on the thread
// whose call caused the transition. Time comes only from the injected Clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "keel/core/clock.hpp"
#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"

namespace keel::resilience {

enum class BreakerState : std::uint8_t {
  kClosed = 0,
  kOpen = 1,
  kHalfOpen = 2,
  kDisabled = 3,
  kForcedOpen = 4,
};
// "closed", "open", "half_open", "disabled", "forced_open".
[[nodiscard]] std::string_view BreakerStateName(BreakerState s) noexcept;

enum class BreakerWindow : std::uint8_t { kCountBased, kTimeBased };

// How a finished call counts: a failure, a success, or not at all (its permit is given back).
enum class CallOutcome : std::uint8_t { kSuccess, kFailure, kIgnored };

// The default "which errors count" predicate: a dependency that is down, slow or overloaded
// (kUnavailable, kDeadlineExceeded, kOverloaded, kRateLimited, kInternal) is a failure; a
// cancelled call (the caller gave up, or a hedge lost) says nothing about it and is ignored; any
// other error (kNotFound, kConflict, ...) is an answer, so a success.
[[nodiscard]] CallOutcome DefaultBreakerClassifier(const Error& error) noexcept;

struct CircuitBreakerSettings {
  std::string name = "dependency";  // the `dependency` metric label
  BreakerWindow window_type = BreakerWindow::kCountBased;
  std::uint32_t window_size = 100;  // calls (count-based) or seconds (time-based)
  // Calls needed before rates are evaluated (count-based: capped at window_size).
  std::uint32_t minimum_calls = 100;
  double failure_rate_threshold = 50.0;     // percent, trips at >=
  double slow_call_rate_threshold = 100.0;  // percent, trips at >=
  Duration slow_call_duration = std::chrono::seconds(60);
  Duration wait_in_open = std::chrono::seconds(60);
  double wait_in_open_multiplier = 1.0;  // > 1: exponential back-off of the open period
  Duration max_wait_in_open = std::chrono::minutes(10);  // cap of that back-off
  std::uint32_t permitted_calls_in_half_open = 10;
  // HALF_OPEN longer than this reopens (0: never). resilience4j's default is 0; keel sets one so a
  // trial call that never reports cannot wedge the breaker.
  Duration max_wait_in_half_open = std::chrono::seconds(60);
  std::function<CallOutcome(const Error&)> classify = DefaultBreakerClassifier;
};

struct BreakerTransition {
  std::string_view name;
  BreakerState from;
  BreakerState to;
  double failure_rate;  // percent, of the window that decided it (-1 when not evaluated)
  double slow_rate;
};
using BreakerTransitionCallback = std::function<void(const BreakerTransition&)>;

class CircuitBreaker;

// Permission for one call. Record the outcome exactly once; a permit destroyed unrecorded counts
// as ignored (its half-open slot is given back). Move-only.
class BreakerPermit {
 public:
  BreakerPermit() = default;
  BreakerPermit(BreakerPermit&& other) noexcept { *this = std::move(other); }
  BreakerPermit& operator=(BreakerPermit&& other) noexcept;
  ~BreakerPermit();

  void Success() { Record(CallOutcome::kSuccess); }
  // Classified by the settings' predicate (a failure, ignored, or a success).
  void Failure(const Error& error);
  void Ignore() { Record(CallOutcome::kIgnored); }
  // The call's duration is measured from TryAcquire() with the breaker's clock.
  void Record(CallOutcome outcome);

 private:
  friend class CircuitBreaker;
  BreakerPermit(CircuitBreaker* b, TimePoint started, std::uint64_t generation) noexcept
      : breaker_(b), started_(started), generation_(generation) {}
  CircuitBreaker* breaker_ = nullptr;
  TimePoint started_{};
  std::uint64_t generation_ = 0;
};

class CircuitBreaker {
 public:
  CircuitBreaker(CircuitBreakerSettings settings, const Clock& clock, MetricSink& sink,
                 BreakerTransitionCallback on_transition = {});
  ~CircuitBreaker();
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // A permit, or kUnavailable when OPEN/FORCED_OPEN or every half-open trial permit is out; the
  // error's retry_after is the rest of the open period (at least 1 s). Never waits.
  [[nodiscard]] Result<BreakerPermit> TryAcquire();

  [[nodiscard]] BreakerState state() const;
  struct Snapshot {
    BreakerState state;
    std::uint64_t calls;  // in the current window
    std::uint64_t failed;
    std::uint64_t slow;
    double failure_rate;  // percent; -1 below the minimum number of calls
    double slow_rate;
  };
  [[nodiscard]] Snapshot Read() const;
  [[nodiscard]] const CircuitBreakerSettings& settings() const noexcept { return settings_; }

  // Manual states (an operator's switch). TransitionToClosed() also leaves them.
  void TransitionToDisabled();
  void TransitionToForcedOpen();
  void TransitionToClosed();

 private:
  friend class BreakerPermit;
  struct Impl;
  void OnRecord(const BreakerPermit& permit, CallOutcome outcome);
  void Release(const BreakerPermit& permit);

  CircuitBreakerSettings settings_;
  const Clock& clock_;
  std::unique_ptr<Impl> impl_;
  BreakerTransitionCallback on_transition_;
};

}  // namespace keel::resilience
