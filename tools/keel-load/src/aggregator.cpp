#include "aggregator.hpp"

#include <algorithm>

namespace keel::load {

namespace {
constexpr int64_t kSecondNs = 1'000'000'000;
}  // namespace

LatencySummary Summarize(const Histogram& h) {
  return LatencySummary{h.count(),
                        h.min(),
                        h.ValueAtPercentile(50),
                        h.ValueAtPercentile(90),
                        h.ValueAtPercentile(99),
                        h.ValueAtPercentile(99.9),
                        h.max(),
                        h.mean()};
}

Aggregator::Aggregator(const Profile& profile, int threads, std::optional<Slo> slo)
    : profile_(profile), slo_(slo), watermarks_(static_cast<std::size_t>(threads), Nanos(0)) {}

void Aggregator::Merge(int thread, Nanos watermark, const SecondDeltas& deltas) {
  std::lock_guard lock(mu_);
  for (const auto& [second, delta] : deltas) {
    auto& slot = open_[std::max(second, next_second_)];  // late data joins the oldest open row
    if (!slot) {
      slot = std::make_unique<SecondDelta>();
    }
    slot->Merge(*delta);
    totals_.Merge(delta->counters);
    cumulative_.Merge(delta->latency);
  }
  auto& w = watermarks_[static_cast<std::size_t>(thread)];
  w = std::max(w, watermark);
  FinalizeReady(false);
}

void Aggregator::Finish(bool stopped_early) {
  std::lock_guard lock(mu_);
  FinalizeReady(true);
  for (auto it = open_phases_.begin(); it != open_phases_.end(); it = open_phases_.begin()) {
    CompletePhase(it->first, !stopped_early);
  }
}

Progress Aggregator::Snapshot() const {
  std::lock_guard lock(mu_);
  return Progress{totals_, cumulative_.ValueAtPercentile(99), next_second_};
}

void Aggregator::FinalizeReady(bool force) {
  const Nanos watermark = *std::min_element(watermarks_.begin(), watermarks_.end());
  const int64_t last_open = open_.empty() ? -1 : open_.rbegin()->first;
  while (true) {
    const int64_t s = next_second_;
    // Never past the last second holding data: a finished thread's watermark is unbounded.
    if (s > last_open || (!force && watermark.count() < (s + 1) * kSecondNs)) {
      return;
    }
    auto it = open_.find(s);
    if (it == open_.end()) {
      SecondDelta empty;
      FinalizeSecond(s, empty);
    } else {
      if (!force && it->second->resolved < it->second->counters.scheduled) {
        return;  // requests scheduled in s are still in flight
      }
      FinalizeSecond(s, *it->second);
      open_.erase(it);
    }
    ++next_second_;
  }
}

void Aggregator::FinalizeSecond(int64_t s, SecondDelta& d) {
  const auto& c = d.counters;
  in_flight_ += static_cast<int64_t>(c.scheduled) - static_cast<int64_t>(c.Resolved());
  SecondStats row;
  row.second = s;
  row.counters = c;
  row.resolved = d.resolved;
  row.failed = d.failed;
  row.samples = d.latency.count();
  row.p50 = d.latency.ValueAtPercentile(50);
  row.p90 = d.latency.ValueAtPercentile(90);
  row.p99 = d.latency.ValueAtPercentile(99);
  row.max = d.latency.max();
  row.in_flight = std::max<int64_t>(0, in_flight_);
  seconds_.push_back(std::move(row));

  const int phase = profile_.PhaseOf(s);
  if (phase < 0) {
    return;
  }
  auto& acc = open_phases_[phase];
  acc.latency.Merge(d.latency);
  acc.ok_latency.Merge(d.ok_latency);
  acc.refused_latency.Merge(d.refused_latency);
  acc.requests += d.resolved;
  acc.responses += d.latency.count();
  acc.failed += d.failed;
  if (s + 1 >= profile_.phases[static_cast<std::size_t>(phase)].end_second) {
    CompletePhase(phase, true);
  }
}

void Aggregator::CompletePhase(int index, bool complete) {
  auto it = open_phases_.find(index);
  PhaseStats ps;
  ps.phase = profile_.phases[static_cast<std::size_t>(index)];
  ps.complete = complete;
  ps.requests = it->second.requests;
  ps.responses = it->second.responses;
  ps.failed = it->second.failed;
  ps.latency = Summarize(it->second.latency);
  ps.latency_ok = Summarize(it->second.ok_latency);
  ps.latency_refused = Summarize(it->second.refused_latency);
  open_phases_.erase(it);
  if (slo_ && profile_.settings.kind == ProfileKind::kRamp) {
    ps.slo_pass = ps.latency.p99 <= slo_->p99.count() && ps.error_rate() <= slo_->error_rate;
    if (!*ps.slo_pass && complete) {
      slo_broken_.store(true);
    }
  }
  phases_.push_back(std::move(ps));
}

}  // namespace keel::load
