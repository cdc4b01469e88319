#include "keel/resilience/gcra.hpp"

#include <algorithm>

#include "keel/core/check.hpp"

namespace keel::resilience {

Gcra::Gcra(const RateQuota& quota)
    : emission_(quota.count == 0 ? Duration::zero()
                                 : quota.period / static_cast<Duration::rep>(quota.count)),
      tolerance_(emission_ * static_cast<Duration::rep>(quota.burst + 1)),
      limit_(static_cast<std::int64_t>(quota.burst + 1)) {
  KEEL_CHECK(emission_ > Duration::zero());
}

RateDecision Gcra::Apply(std::optional<TimePoint>& tat, TimePoint now,
                         std::uint32_t quantity) const noexcept {
  const Duration increment = emission_ * static_cast<Duration::rep>(quantity);
  const TimePoint stored = tat.value_or(now);
  const TimePoint new_tat = std::max(stored, now) + increment;
  const TimePoint allow_at = new_tat - tolerance_;

  RateDecision d;
  d.limit = limit_;
  Duration ttl{};
  if (now < allow_at) {
    ttl = stored - now;
    if (increment <= tolerance_) {
      d.retry_after = allow_at - now;
    }
  } else {
    d.allowed = true;
    ttl = new_tat - now;
    if (quantity > 0) {
      tat = new_tat;
    }
  }
  ttl = std::max(ttl, Duration::zero());
  // redis-cell: remaining = (τ − ttl) / T, truncated, when τ − ttl > −T.
  const Duration next = tolerance_ - ttl;
  d.remaining = next > -emission_ ? std::clamp<std::int64_t>(next / emission_, 0, limit_) : 0;
  d.reset_after = ttl;
  if (d.remaining < limit_) {
    // The next whole unit frees up when τ − ttl reaches (remaining + 1)·T; on a refusal this
    // equals retry_after, so RateLimit's `t` never points earlier than Retry-After.
    d.next_unit = std::max(Duration::zero(), emission_ * (d.remaining + 1) - next);
  }
  return d;
}

std::int64_t CeilSeconds(Duration d) noexcept {
  if (d <= Duration::zero()) {
    return 0;
  }
  const auto s = std::chrono::ceil<std::chrono::seconds>(d);
  return s.count();
}

}  // namespace keel::resilience
