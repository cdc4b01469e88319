#include "keel/resilience/aimd_limit.hpp"

#include <algorithm>

namespace keel::resilience {

AimdLimit::AimdLimit(AimdSettings settings) noexcept : settings_(settings) {
  settings_.min_limit = std::max(1, settings_.min_limit);
  settings_.max_limit = std::max(settings_.min_limit, settings_.max_limit);
  limit_ = std::clamp(settings_.initial_limit, settings_.min_limit, settings_.max_limit);
}

void AimdLimit::OnSample(const LimitSample& sample) noexcept {
  int next = limit_;
  if (sample.dropped || sample.rtt > settings_.timeout) {
    next = static_cast<int>(limit_ * settings_.backoff_ratio);
  } else if (sample.in_flight * 2 >= limit_) {
    next = limit_ + 1;
  }
  limit_ = std::clamp(next, settings_.min_limit, settings_.max_limit);
}

}  // namespace keel::resilience
