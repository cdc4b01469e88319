// keel/resilience/gcra.hpp — the generic cell rate algorithm (a leaky bucket as one timestamp).
//
// Semantics of redis-cell's CL.THROTTLE and throttled: a quota of `count` per `period` with
// `burst` extra requests at once. T = period / count is the emission interval, τ = T·(burst + 1)
// the tolerance; the only state per key is its theoretical arrival time (TAT). A request of n
// units is allowed when now >= max(TAT, now) + n·T − τ, and then TAT moves to that + τ. A key
// whose TAT is in the past holds no information: dropping it changes nothing, which is what makes
// idle-key eviction exact.
//
//   keel::resilience::Gcra gcra({.count = 10, .period = 1s, .burst = 4});  // 5 at once, 10/s
//   std::optional<keel::TimePoint> tat;                                  // a new key
//   keel::resilience::RateDecision d = gcra.Apply(tat, clock.Now(), 1);
//
// Thread safety: Gcra is immutable; the caller protects the TAT it passes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "keel/core/clock.hpp"
#include "keel/core/error.hpp"

namespace keel::resilience {

struct RateQuota {
  std::uint64_t count = 1;  // requests per period (> 0)
  Duration period = std::chrono::seconds(1);
  std::uint64_t burst = 0;  // requests allowed at once beyond the first

  friend bool operator==(const RateQuota&, const RateQuota&) = default;
};

struct RateDecision {
  bool allowed = false;
  std::int64_t limit = 0;      // burst + 1: what a fresh key may send at once
  std::int64_t remaining = 0;  // units still available right now
  // When refused: how long until the same request would be allowed; nullopt when it never can
  // (more units than the burst allows).
  std::optional<Duration> retry_after;
  Duration reset_after{0};  // until the key is back to its full allowance
  Duration next_unit{0};    // until one more unit becomes available (zero when full)
};

class Gcra {
 public:
  // Invalid quotas (count 0, period <= 0) are a programming error: config validation refuses
  // them (KEEL_CHECK).
  explicit Gcra(const RateQuota& quota);

  // Applies `quantity` units at `now` to a key whose state is `tat` (nullopt: unknown or idle).
  // When allowed, `tat` is updated; when refused it is left alone. quantity 0 only peeks.
  [[nodiscard]] RateDecision Apply(std::optional<TimePoint>& tat, TimePoint now,
                                   std::uint32_t quantity) const noexcept;

  [[nodiscard]] Duration emission_interval() const noexcept { return emission_; }
  [[nodiscard]] Duration tolerance() const noexcept { return tolerance_; }
  [[nodiscard]] std::int64_t limit() const noexcept { return limit_; }

 private:
  Duration emission_;
  Duration tolerance_;
  std::int64_t limit_;
};

// Whole seconds rounded up, as Retry-After and the RateLimit `t` parameter need.
[[nodiscard]] std::int64_t CeilSeconds(Duration d) noexcept;

}  // namespace keel::resilience
