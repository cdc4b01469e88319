#include "keel/resilience/vegas_limit.hpp"

#include <algorithm>
#include <cmath>

namespace keel::resilience {

namespace {
// max(1, floor(log10(x))): concurrency-limits' Log10RootIntFunction.
int Log10(double x) noexcept {
  return x < 10 ? 1 : std::max(1, static_cast<int>(std::log10(x)));
}
}  // namespace

VegasLimit::VegasLimit(VegasSettings settings) noexcept
    : settings_(settings),
      estimated_(std::clamp<double>(settings.initial_limit, 1, std::max(1, settings.max_limit))),
      random_(settings.seed) {
  ResetProbeJitter();
}

void VegasLimit::ResetProbeJitter() noexcept {
  probe_jitter_ = std::uniform_real_distribution<double>(0.5, 1.0)(random_);
}

void VegasLimit::OnSample(const LimitSample& sample) noexcept {
  const double rtt = static_cast<double>(std::chrono::nanoseconds(sample.rtt).count());
  if (rtt <= 0) {
    return;
  }
  ++probe_count_;
  // Periodically forget the no-load RTT, so a permanent change of the service (a slower
  // dependency) is not mistaken for queueing forever.
  if (probe_jitter_ * settings_.probe_multiplier * estimated_ <= probe_count_) {
    ResetProbeJitter();
    probe_count_ = 0;
    rtt_noload_ = rtt;
    return;
  }
  if (rtt_noload_ == 0 || rtt < rtt_noload_) {
    rtt_noload_ = rtt;
    return;
  }
  Update(rtt, sample.in_flight, sample.dropped);
}

void VegasLimit::Update(double rtt, int in_flight, bool dropped) noexcept {
  const double queue = std::ceil(estimated_ * (1 - rtt_noload_ / rtt));
  const int log = Log10(estimated_);
  double next = estimated_;
  if (dropped) {
    next = estimated_ - log;
  } else if (in_flight * 2 < estimated_) {
    return;  // app-limited: prevents upward drift
  } else {
    const int alpha = 3 * log;
    const int beta = 6 * log;
    const int threshold = log;
    if (queue <= threshold) {
      next = estimated_ + beta;  // no queueing: grow fast
    } else if (queue < alpha) {
      next = estimated_ + log;
    } else if (queue > beta) {
      next = estimated_ - log;
    } else {
      return;  // in the sweet spot
    }
  }
  next = std::clamp<double>(next, 1, std::max(1, settings_.max_limit));
  estimated_ = (1 - settings_.smoothing) * estimated_ + settings_.smoothing * next;
}

}  // namespace keel::resilience
