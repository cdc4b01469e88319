// aggregator.hpp — the run's shared view: per-second rows, phases, progress, the ramp's SLO.
//
// Workers flush their per-second deltas here a few times a second (Merge, under one mutex; the
// request path never takes it). A second becomes final — a SecondStats row, its histogram merged
// into its phase and freed — once every thread has moved past it and every request scheduled in
// it has an outcome; so memory stays bounded by the timeout, not the run length, and a phase's
// verdict (the ramp's SLO check) is exact, not a guess made while its requests are in flight.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "histogram.hpp"
#include "profile.hpp"
#include "stats.hpp"

namespace keel::load {

struct Slo {
  Nanos p99;          // p99 latency must be at most this
  double error_rate;  // failed / requests must be at most this (a fraction)
};

struct SecondStats {
  int64_t second = 0;
  Counters counters;      // events in this second (scheduled/late: requests scheduled in it)
  uint64_t resolved = 0;  // requests scheduled in it that have an outcome
  uint64_t failed = 0;    // ... an error, a timeout or a 5xx
  uint64_t samples = 0;   // latency samples (responses) of requests scheduled in it
  int64_t p50 = 0;        // ns
  int64_t p90 = 0;
  int64_t p99 = 0;
  int64_t max = 0;
  int64_t in_flight = 0;  // scheduled but without outcome at the end of the second
};

struct LatencySummary {
  uint64_t count = 0;
  int64_t min = 0;  // ns
  int64_t p50 = 0;
  int64_t p90 = 0;
  int64_t p99 = 0;
  int64_t p999 = 0;
  int64_t max = 0;
  double mean = 0;
};

[[nodiscard]] LatencySummary Summarize(const Histogram& h);

struct PhaseStats {
  Phase phase;
  bool complete = true;    // false when the run stopped before the phase's end
  uint64_t requests = 0;   // scheduled in the phase and resolved
  uint64_t responses = 0;  // of those, with a response
  uint64_t failed = 0;
  LatencySummary latency;
  LatencySummary latency_ok;       // 1xx-3xx responses only
  LatencySummary latency_refused;  // 429 and 503 responses only
  std::optional<bool> slo_pass;    // ramp only
  [[nodiscard]] double error_rate() const {
    return requests == 0 ? 0.0 : static_cast<double>(failed) / static_cast<double>(requests);
  }
};

struct Progress {
  Counters totals;
  int64_t p99 = 0;  // of every response so far, ns
  int64_t finalized_seconds = 0;
};

class Aggregator {
 public:
  Aggregator(const Profile& profile, int threads, std::optional<Slo> slo);

  // From worker `thread`: its deltas, and its watermark (it will record nothing scheduled
  // earlier any more). Thread-safe.
  void Merge(int thread, Nanos watermark, const SecondDeltas& deltas);
  // After every worker has stopped: finalizes every second and phase left.
  void Finish(bool stopped_early);

  [[nodiscard]] Progress Snapshot() const;
  // Ramp: a step has failed its SLO; the run should stop. Any thread.
  [[nodiscard]] bool slo_broken() const noexcept { return slo_broken_.load(); }

  // Valid after Finish (no lock needed then).
  [[nodiscard]] const std::vector<SecondStats>& seconds() const noexcept { return seconds_; }
  [[nodiscard]] const std::vector<PhaseStats>& phases() const noexcept { return phases_; }

 private:
  struct PhaseAccumulator {
    Histogram latency;
    Histogram ok_latency;
    Histogram refused_latency;
    uint64_t requests = 0;
    uint64_t responses = 0;
    uint64_t failed = 0;
  };

  void FinalizeReady(bool force);
  void FinalizeSecond(int64_t s, SecondDelta& d);
  void CompletePhase(int index, bool complete);

  const Profile& profile_;
  std::optional<Slo> slo_;
  mutable std::mutex mu_;
  std::vector<Nanos> watermarks_;
  SecondDeltas open_;
  int64_t next_second_ = 0;
  int64_t in_flight_ = 0;
  Counters totals_;
  Histogram cumulative_;
  std::map<int, PhaseAccumulator> open_phases_;
  std::vector<SecondStats> seconds_;
  std::vector<PhaseStats> phases_;
  std::atomic<bool> slo_broken_{false};
};

}  // namespace keel::load
