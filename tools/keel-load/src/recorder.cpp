#include "recorder.hpp"

#include "aggregator.hpp"

namespace keel::load {

namespace {

int64_t SecondOf(Nanos t) {
  return t.count() < 0 ? 0 : t.count() / 1'000'000'000;
}

}  // namespace

Recorder::Recorder(std::size_t request_types) : types_(request_types) {}

SecondDelta& Recorder::At(Nanos t) {
  const int64_t s = SecondOf(t);
  auto it = open_.find(s);
  if (it != open_.end()) {
    return *it->second;
  }
  std::unique_ptr<SecondDelta> d;
  if (spare_.empty()) {
    d = std::make_unique<SecondDelta>();
  } else {
    d = std::move(spare_.back());
    spare_.pop_back();
  }
  return *open_.emplace(s, std::move(d)).first->second;
}

void Recorder::OnScheduled(int type, Nanos scheduled, bool late) {
  auto& t = types_[static_cast<std::size_t>(type)].counters;
  ++t.scheduled;
  t.late += late ? 1 : 0;
  auto& c = At(scheduled).counters;
  ++c.scheduled;
  c.late += late ? 1 : 0;
}

void Recorder::OnSent(int type, Nanos now, Nanos scheduled) {
  ++types_[static_cast<std::size_t>(type)].counters.sent;
  ++At(now).counters.sent;
  send_delay_.Record((now - scheduled).count());
}

void Recorder::Resolve(Nanos scheduled, bool failed) {
  auto& d = At(scheduled);
  ++d.resolved;
  d.failed += failed ? 1 : 0;
}

void Recorder::OnResponse(int type, Nanos scheduled, Nanos now, int status) {
  const int64_t latency = (now - scheduled).count();
  auto& t = types_[static_cast<std::size_t>(type)];
  ++t.counters.responses;
  t.counters.status.Add(status);
  t.latency.Record(latency);
  auto& event = At(now).counters;
  ++event.responses;
  event.status.Add(status);
  auto& by_schedule = At(scheduled);
  by_schedule.latency.Record(latency);
  if (IsOk(status)) {
    t.ok_latency.Record(latency);
    by_schedule.ok_latency.Record(latency);
  } else if (IsRefusal(status)) {
    t.refused_latency.Record(latency);
    by_schedule.refused_latency.Record(latency);
  }
  Resolve(scheduled, status >= 500);
}

void Recorder::OnError(int type, Nanos scheduled, Nanos now, ErrorKind kind) {
  const auto k = static_cast<std::size_t>(kind);
  ++types_[static_cast<std::size_t>(type)].counters.errors[k];
  ++At(now).counters.errors[k];
  Resolve(scheduled, true);
}

void Recorder::OnCancelled(int type, Nanos scheduled, Nanos now) {
  ++types_[static_cast<std::size_t>(type)].counters.cancelled;
  ++At(now).counters.cancelled;
  Resolve(scheduled, false);
}

void Recorder::Flush(Aggregator& aggregator, int thread, Nanos watermark) {
  aggregator.Merge(thread, watermark, open_);
  for (auto& [second, delta] : open_) {
    delta->Reset();
    spare_.push_back(std::move(delta));
  }
  open_.clear();
  if (spare_.size() > 16) {
    spare_.resize(16);
  }
}

}  // namespace keel::load
