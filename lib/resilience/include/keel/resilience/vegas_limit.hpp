// keel/resilience/vegas_limit.hpp — Netflix concurrency-limits' Vegas limit (TCP Vegas style).
//
// Estimates the queue in front of the service as limit * (1 - rtt_noload / rtt), where
// rtt_noload is the lowest RTT seen (re-probed every ~30 * limit samples, with jitter). A small
// queue grows the limit, a large one shrinks it; a drop shrinks it. Defaults from VegasLimit.java:
// alpha = 3·log10(L), beta = 6·log10(L), threshold = log10(L), with log10 floored and at least 1.
//
//   keel::resilience::VegasLimit limit({.initial_limit = 20, .max_limit = 1000});
//
// Thread safety: none (see concurrency_limit.hpp).
#pragma once

#include <cstdint>
#include <random>

#include "keel/resilience/concurrency_limit.hpp"

namespace keel::resilience {

struct VegasSettings {
  int initial_limit = 20;
  int max_limit = 1000;
  double smoothing = 1.0;
  int probe_multiplier = 30;
  std::uint32_t seed = 1;  // of the probe jitter; vary it per process
};

class VegasLimit final : public ConcurrencyLimit {
 public:
  explicit VegasLimit(VegasSettings settings) noexcept;
  [[nodiscard]] int limit() const noexcept override { return static_cast<int>(estimated_); }
  void OnSample(const LimitSample& sample) noexcept override;

  [[nodiscard]] double rtt_noload_nanos() const noexcept { return rtt_noload_; }

 private:
  void Update(double rtt, int in_flight, bool dropped) noexcept;
  void ResetProbeJitter() noexcept;

  VegasSettings settings_;
  double estimated_;
  double rtt_noload_ = 0;
  std::int64_t probe_count_ = 0;
  double probe_jitter_ = 1.0;
  std::minstd_rand random_;
};

}  // namespace keel::resilience
