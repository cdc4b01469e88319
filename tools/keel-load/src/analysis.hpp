// analysis.hpp — the verdicts of the ramp, spike and soak profiles, from a finished run's data.
//
// Pure functions of the per-second rows and phases, so they are unit-tested without sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aggregator.hpp"
#include "profile.hpp"
#include "rss_sampler.hpp"

namespace keel::load {

struct RampVerdict {
  std::optional<double> capacity_rps;    // the last step passing the SLO before the first failure
  std::optional<std::string> broken_at;  // label of the first failing step; none: never broke
  int steps_passed = 0;
};

// Steps that the run stopped before finishing are ignored.
[[nodiscard]] RampVerdict AnalyzeRamp(const std::vector<PhaseStats>& phases);

struct SpikeVerdict {
  int64_t p99_before = 0;  // ns, per phase
  int64_t p99_during = 0;
  int64_t p99_after = 0;
  int64_t threshold = 0;  // "recovered" = per-second p99 at or below this
  // Seconds from the end of the spike until the per-second p99 came back under the threshold
  // and stayed there for kRecoverySeconds (or until the end); none: it did not.
  std::optional<int64_t> recovery_s;
};

inline constexpr int kRecoverySeconds = 3;

// The threshold is the pre-spike p99 plus 10 % (at least 0.5 ms, against timer noise).
[[nodiscard]] std::optional<SpikeVerdict> AnalyzeSpike(const std::vector<PhaseStats>& phases,
                                                       const std::vector<SecondStats>& seconds);

struct SoakVerdict {
  std::optional<int64_t> rss_first;  // bytes
  std::optional<int64_t> rss_last;
  std::optional<int64_t> rss_min;
  std::optional<int64_t> rss_max;
  std::optional<double> rss_slope_per_hour;  // least-squares slope, bytes/hour
  std::optional<int64_t> p99_first_window;   // ns
  std::optional<int64_t> p99_last_window;
};

[[nodiscard]] SoakVerdict AnalyzeSoak(const std::vector<PhaseStats>& phases,
                                      const std::vector<RssSample>& rss);

}  // namespace keel::load
