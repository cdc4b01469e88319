#include "stats.hpp"

#include <algorithm>

namespace keel::load {

const char* ErrorKindName(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kConnect:
      return "connect";
    case ErrorKind::kReset:
      return "reset";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kParse:
      return "parse";
  }
  return "?";
}

void StatusCounts::Add(int status, uint64_t n) {
  for (auto& [code, count] : items_) {
    if (code == status) {
      count += n;
      return;
    }
  }
  items_.emplace_back(status, n);
  std::sort(items_.begin(), items_.end());
}

void StatusCounts::Merge(const StatusCounts& other) {
  for (const auto& [code, count] : other.items_) {
    Add(code, count);
  }
}

uint64_t StatusCounts::Total() const noexcept {
  return Between(0, 999);
}

uint64_t StatusCounts::Count(int status) const noexcept {
  return Between(status, status);
}

uint64_t StatusCounts::Between(int lo, int hi) const noexcept {
  uint64_t n = 0;
  for (const auto& [code, count] : items_) {
    if (code >= lo && code <= hi) {
      n += count;
    }
  }
  return n;
}

void Counters::Merge(const Counters& o) {
  scheduled += o.scheduled;
  late += o.late;
  sent += o.sent;
  responses += o.responses;
  cancelled += o.cancelled;
  for (std::size_t i = 0; i < kErrorKinds; ++i) {
    errors[i] += o.errors[i];
  }
  status.Merge(o.status);
}

uint64_t Counters::Errors() const noexcept {
  uint64_t n = 0;
  for (auto e : errors) {
    n += e;
  }
  return n;
}

void SecondDelta::Merge(const SecondDelta& o) {
  counters.Merge(o.counters);
  latency.Merge(o.latency);
  ok_latency.Merge(o.ok_latency);
  refused_latency.Merge(o.refused_latency);
  resolved += o.resolved;
  failed += o.failed;
}

void SecondDelta::Reset() {
  counters = Counters();
  latency.Reset();
  ok_latency.Reset();
  refused_latency.Reset();
  resolved = failed = 0;
}

void TypeStats::Merge(const TypeStats& o) {
  counters.Merge(o.counters);
  latency.Merge(o.latency);
  ok_latency.Merge(o.ok_latency);
  refused_latency.Merge(o.refused_latency);
}

}  // namespace keel::load
