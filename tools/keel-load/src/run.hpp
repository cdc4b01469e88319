// run.hpp — one load run: workers on their threads, the main thread's progress line, RSS
// sampling, signals and the ramp's stop, then everything merged for the report.
#pragma once

#include <string>
#include <vector>

#include "aggregator.hpp"
#include "keel/core/error.hpp"
#include "profile.hpp"
#include "recorder.hpp"
#include "rss_sampler.hpp"
#include "scenario.hpp"
#include "settings.hpp"

namespace keel::load {

enum class StopReason { kCompleted, kSloBroken, kInterrupted, kOverran };
[[nodiscard]] const char* StopReasonName(StopReason r) noexcept;

struct RunResult {
  std::vector<TypeStats> types;  // per request type, merged over threads
  Histogram send_delay;          // actual send - scheduled
  ConnectionCounters connections;
  std::vector<SecondStats> seconds;
  std::vector<PhaseStats> phases;
  std::vector<RssSample> rss;
  StopReason stop_reason = StopReason::kCompleted;
  double elapsed_s = 0;    // from the start to the last outcome
  std::string started_at;  // UTC, ISO 8601
  std::string endpoint;    // the address connected to
};

// Runs the load. Errors: the target cannot be resolved, or no initial connection succeeded.
// Blocks until the run is over (duration, ramp SLO break, or SIGINT/SIGTERM).
[[nodiscard]] Result<RunResult> RunLoad(const Settings& settings, const Scenario& scenario,
                                        const Profile& profile);

}  // namespace keel::load
