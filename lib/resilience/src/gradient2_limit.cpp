#include "keel/resilience/gradient2_limit.hpp"

#include <algorithm>

namespace keel::resilience {

namespace {
constexpr int kWarmupSamples = 10;
}  // namespace

Gradient2Limit::Gradient2Limit(Gradient2Settings settings) noexcept : settings_(settings) {
  // Tolerate inconsistent bounds (the config validates them; a direct caller may not).
  settings_.min_limit = std::max(1, settings_.min_limit);
  settings_.max_limit = std::max(settings_.min_limit, settings_.max_limit);
  estimated_ =
      std::clamp<double>(settings_.initial_limit, settings_.min_limit, settings_.max_limit);
}

double Gradient2Limit::AddToLongRtt(double rtt) noexcept {
  if (long_count_ < kWarmupSamples) {
    ++long_count_;
    long_sum_ += rtt;
    long_rtt_ = long_sum_ / long_count_;
  } else {
    const double factor = 2.0 / (settings_.long_window + 1);
    long_rtt_ = rtt * factor + long_rtt_ * (1 - factor);
  }
  return long_rtt_;
}

void Gradient2Limit::OnSample(const LimitSample& sample) noexcept {
  const double short_rtt = static_cast<double>(std::chrono::nanoseconds(sample.rtt).count());
  if (short_rtt <= 0) {
    return;
  }
  const double long_rtt = AddToLongRtt(short_rtt);
  // Latency is back to normal after a long overload: pull the long average down faster than its
  // 600-sample memory would, so the limit can recover.
  if (long_rtt / short_rtt > 2) {
    long_rtt_ *= 0.95;
  }
  // App-limited: too few requests to say anything about capacity.
  if (sample.in_flight < estimated_ / 2) {
    return;
  }
  // Never shrink by more than half per update: one outlier must not shed half the traffic.
  const double gradient = std::clamp(settings_.tolerance * long_rtt / short_rtt, 0.5, 1.0);
  const bool add_queue = !settings_.grow_only_without_queueing || gradient >= 1.0;
  double next = estimated_ * gradient + (add_queue ? settings_.queue_size : 0);
  next = estimated_ * (1 - settings_.smoothing) + next * settings_.smoothing;
  estimated_ = std::clamp<double>(next, settings_.min_limit, settings_.max_limit);
}

}  // namespace keel::resilience
