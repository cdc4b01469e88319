// keel/resilience/gradient2_limit.hpp — Netflix concurrency-limits' Gradient2 limit.
//
// Moves the limit by the ratio of a long-term RTT average to the latest RTT: when requests get
// slower than `tolerance` times the long-term average the limit shrinks (at most halving per
// update); otherwise it grows by `queue_size`. The baseline is an exponential average, not a
// minimum, so there is no probing dip (anchor: Gradient2Limit.java; defaults from it).
//
//   keel::resilience::Gradient2Limit limit({});          // 20 .. 200, smoothing 0.2
//   limit.OnSample({.rtt = 15ms, .in_flight = 20});
//
// Thread safety: none (see concurrency_limit.hpp).
#pragma once

#include "keel/resilience/concurrency_limit.hpp"

namespace keel::resilience {

struct Gradient2Settings {
  int initial_limit = 20;
  int min_limit = 20;
  int max_limit = 200;
  double smoothing = 0.2;  // weight of a new estimate against the current limit
  double tolerance = 1.5;  // latency inflation tolerated before the limit shrinks
  int queue_size = 4;      // growth per update when not shrinking
  int long_window = 600;   // samples in the long-term RTT average
  // Add queue_size only when the gradient is exactly 1 (no queueing seen). The anchor adds it
  // always, which under modest overload (gradient ~0.8) makes the limit creep up without end
  // (concurrency-limits PR #134); keel defaults to the proposed fix.
  bool grow_only_without_queueing = true;
};

class Gradient2Limit final : public ConcurrencyLimit {
 public:
  explicit Gradient2Limit(Gradient2Settings settings) noexcept;
  [[nodiscard]] int limit() const noexcept override { return static_cast<int>(estimated_); }
  void OnSample(const LimitSample& sample) noexcept override;

  // For tests and metrics.
  [[nodiscard]] double estimated_limit() const noexcept { return estimated_; }
  [[nodiscard]] double long_rtt_nanos() const noexcept { return long_rtt_; }

 private:
  // concurrency-limits' ExpAvgMeasurement: a plain mean over the first 10 samples, then an
  // exponential average with factor 2 / (window + 1).
  double AddToLongRtt(double rtt) noexcept;

  Gradient2Settings settings_;
  double estimated_ = 0;
  double long_rtt_ = 0;
  double long_sum_ = 0;
  int long_count_ = 0;
};

}  // namespace keel::resilience
