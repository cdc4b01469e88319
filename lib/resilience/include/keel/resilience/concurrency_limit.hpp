// keel/resilience/concurrency_limit.hpp — how many requests may run at once, and how it moves.
//
// A ConcurrencyLimit is a pure policy: it is fed one sample per finished request (its latency,
// how many requests were in flight when it started, whether it was dropped) and answers the
// current limit. The admission controller (admission_controller.hpp) owns one and serialises
// every call, so implementations need no synchronisation of their own; it skips the lock (and the
// call) for samples the limit says it would ignore (Wants). Implementations:
// FixedLimit (static), Gradient2Limit, VegasLimit, AimdLimit, and WindowedLimit, which feeds any
// of them one aggregated sample per time window (Netflix concurrency-limits' design).
//
//   keel::resilience::Gradient2Limit limit({.initial_limit = 20, .max_limit = 200});
//   limit.OnSample({.now = clock.Now(), .rtt = 12ms, .in_flight = 18, .dropped = false});
//   int allowed = limit.limit();
//
// Thread safety: none; the owner serialises calls.
#pragma once

#include <chrono>

#include "keel/core/clock.hpp"

namespace keel::resilience {

// One finished request as a limit sees it.
struct LimitSample {
  TimePoint now{};       // when the request finished (windowing uses it)
  Duration rtt{};        // how long it took (admission to response)
  int in_flight = 0;     // requests in flight when it was admitted, itself included
  bool dropped = false;  // it failed from overload: timed out (504) or refused downstream (503)
};

class ConcurrencyLimit {
 public:
  virtual ~ConcurrencyLimit() = default;
  // The current limit (>= 1).
  [[nodiscard]] virtual int limit() const noexcept = 0;
  virtual void OnSample(const LimitSample& sample) noexcept = 0;
  // False when OnSample would ignore `sample` without changing any state, so the owner may skip
  // it (and the lock it serialises OnSample with). Must be safe to call concurrently with
  // OnSample: it may read only settings fixed at construction.
  [[nodiscard]] virtual bool Wants(const LimitSample& /*sample*/) const noexcept { return true; }
};

// A limit that never moves (overload.limiter = "static").
class FixedLimit final : public ConcurrencyLimit {
 public:
  explicit FixedLimit(int limit) noexcept : limit_(limit < 1 ? 1 : limit) {}
  [[nodiscard]] int limit() const noexcept override { return limit_; }
  void OnSample(const LimitSample&) noexcept override {}
  [[nodiscard]] bool Wants(const LimitSample&) const noexcept override { return false; }

 private:
  int limit_;
};

}  // namespace keel::resilience
