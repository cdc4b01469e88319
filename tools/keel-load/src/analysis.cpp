#include "analysis.hpp"

#include <algorithm>

namespace keel::load {

namespace {

const PhaseStats* FindPhase(const std::vector<PhaseStats>& phases, std::string_view label) {
  for (const auto& p : phases) {
    if (p.phase.label == label) {
      return &p;
    }
  }
  return nullptr;
}

// Whether seconds [from, from + kRecoverySeconds) that have samples are all under threshold.
bool StaysUnder(const std::vector<SecondStats>& seconds, std::size_t from, int64_t end_second,
                int64_t threshold) {
  for (std::size_t i = from; i < seconds.size() && i < from + kRecoverySeconds; ++i) {
    if (seconds[i].second >= end_second) {
      break;
    }
    if (seconds[i].samples > 0 && seconds[i].p99 > threshold) {
      return false;
    }
  }
  return true;
}

}  // namespace

RampVerdict AnalyzeRamp(const std::vector<PhaseStats>& phases) {
  RampVerdict v;
  for (const auto& p : phases) {
    if (!p.complete || !p.slo_pass) {
      continue;
    }
    if (!*p.slo_pass) {
      v.broken_at = p.phase.label;
      break;
    }
    v.capacity_rps = p.phase.rate;
    ++v.steps_passed;
  }
  return v;
}

std::optional<SpikeVerdict> AnalyzeSpike(const std::vector<PhaseStats>& phases,
                                         const std::vector<SecondStats>& seconds) {
  const PhaseStats* before = FindPhase(phases, "before");
  const PhaseStats* during = FindPhase(phases, "spike");
  const PhaseStats* after = FindPhase(phases, "after");
  if (before == nullptr || during == nullptr) {
    return std::nullopt;
  }
  SpikeVerdict v;
  v.p99_before = before->latency.p99;
  v.p99_during = during->latency.p99;
  v.p99_after = after == nullptr ? 0 : after->latency.p99;
  v.threshold = std::max(v.p99_before + v.p99_before / 10, v.p99_before + 500'000);
  if (after == nullptr) {
    return v;
  }
  const int64_t spike_end = during->phase.end_second;
  const int64_t run_end = after->phase.end_second;
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    const auto& row = seconds[i];
    if (row.second < spike_end || row.second >= run_end) {
      continue;
    }
    if (row.samples > 0 && row.p99 <= v.threshold && StaysUnder(seconds, i, run_end, v.threshold)) {
      v.recovery_s = row.second - spike_end;
      break;
    }
  }
  return v;
}

SoakVerdict AnalyzeSoak(const std::vector<PhaseStats>& phases, const std::vector<RssSample>& rss) {
  SoakVerdict v;
  if (!rss.empty()) {
    v.rss_first = rss.front().rss_bytes;
    v.rss_last = rss.back().rss_bytes;
    const auto [lo, hi] = std::minmax_element(
        rss.begin(), rss.end(), [](auto& a, auto& b) { return a.rss_bytes < b.rss_bytes; });
    v.rss_min = lo->rss_bytes;
    v.rss_max = hi->rss_bytes;
  }
  if (rss.size() >= 2) {
    double mx = 0;
    double my = 0;
    for (const auto& s : rss) {
      mx += s.elapsed_s;
      my += static_cast<double>(s.rss_bytes);
    }
    mx /= static_cast<double>(rss.size());
    my /= static_cast<double>(rss.size());
    double sxy = 0;
    double sxx = 0;
    for (const auto& s : rss) {
      sxy += (s.elapsed_s - mx) * (static_cast<double>(s.rss_bytes) - my);
      sxx += (s.elapsed_s - mx) * (s.elapsed_s - mx);
    }
    v.rss_slope_per_hour = sxx > 0 ? sxy / sxx * 3600.0 : 0.0;
  }
  std::vector<const PhaseStats*> windows;
  for (const auto& p : phases) {
    if (p.complete && p.latency.count > 0) {
      windows.push_back(&p);
    }
  }
  if (!windows.empty()) {
    v.p99_first_window = windows.front()->latency.p99;
    v.p99_last_window = windows.back()->latency.p99;
  }
  return v;
}

}  // namespace keel::load
