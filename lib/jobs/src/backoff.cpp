#include "keel/jobs/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace keel::jobs {

Duration BackoffCeiling(const BackoffPolicy& policy, int attempt) noexcept {
  // In double: base * 2^(attempt-1) overflows any integer type long before attempt 1000.
  const double exponent = std::min(std::max(attempt, 1) - 1, 1000);
  const double grown = static_cast<double>(policy.base.count()) * std::pow(2.0, exponent);
  const double cap = static_cast<double>(policy.cap.count());
  return Duration(static_cast<Duration::rep>(std::min(grown, cap)));
}

Duration FullJitterBackoff(const BackoffPolicy& policy, int attempt, double unit) noexcept {
  const double clamped = std::clamp(unit, 0.0, 1.0);
  return Duration(static_cast<Duration::rep>(
      static_cast<double>(BackoffCeiling(policy, attempt).count()) * clamped));
}

}  // namespace keel::jobs
