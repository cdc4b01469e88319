#include "keel/core/metrics.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <new>

namespace keel {

namespace detail {

namespace {
// The first kMetricShards - 1 threads that record (the I/O threads, usually) each own a shard;
// every later thread shares the last one. A hash of the thread id could put two of the busy
// threads on one cache line.
constexpr std::size_t kSharedShard = kMetricShards - 1;
std::size_t AssignShard() noexcept {
  static std::atomic<std::size_t> next_shard{0};
  const std::size_t n = next_shard.fetch_add(1, std::memory_order_relaxed);
  return n < kSharedShard ? n : kSharedShard;
}
thread_local const std::size_t tls_shard = AssignShard();
bool OwnsShard(std::size_t shard) noexcept {
  return shard != kSharedShard;
}
}  // namespace

std::size_t ThisThreadShard() noexcept {
  return tls_shard;
}

}  // namespace detail

std::uint64_t Counter::Value() const noexcept {
  std::uint64_t total = 0;
  for (const auto& shard : shards_) {
    total += shard.v.load(std::memory_order_relaxed);
  }
  return total;
}

void Gauge::Add(double d) noexcept {
  double current = v_.load(std::memory_order_relaxed);
  while (!v_.compare_exchange_weak(current, current + d, std::memory_order_relaxed)) {
  }
}

// --- Histogram -----------------------------------------------------------------------------

namespace {
constexpr std::uint64_t kFirstBound = std::uint64_t{1} << Histogram::kMinOctave;
constexpr std::size_t kSubBuckets = std::size_t{1} << Histogram::kSubBits;
constexpr std::size_t kInfBucket = Histogram::kBuckets - 1;
}  // namespace

Histogram::~Histogram() {
  for (auto& slot : shards_) {
    delete slot.load(std::memory_order_acquire);
  }
}

std::uint64_t Histogram::UpperBoundNanos(std::size_t i) noexcept {
  if (i == 0) {
    return kFirstBound;
  }
  if (i >= kInfBucket) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  const std::size_t k = i - 1;
  const int octave = kMinOctave + static_cast<int>(k / kSubBuckets);
  const std::uint64_t sub = k % kSubBuckets;
  return (std::uint64_t{1} << octave) + ((sub + 1) << (octave - kSubBits));
}

std::size_t Histogram::BucketFor(std::uint64_t ns) noexcept {
  if (ns <= kFirstBound) {
    return 0;
  }
  // Bounds are inclusive, so classify v - 1 against half-open ranges [lower, upper).
  const std::uint64_t w = ns - 1;
  const int octave = std::bit_width(w) - 1;
  if (octave >= kMaxOctave) {
    return kInfBucket;
  }
  const std::size_t sub = (w >> (octave - kSubBits)) & (kSubBuckets - 1);
  return 1 + static_cast<std::size_t>(octave - kMinOctave) * kSubBuckets + sub;
}

void Histogram::Record(std::chrono::nanoseconds d) noexcept {
  RecordNanos(d.count() > 0 ? static_cast<std::uint64_t>(d.count()) : 0);
}

void Histogram::RecordNanos(std::uint64_t ns) noexcept {
  const std::size_t index = detail::ThisThreadShard();
  auto& slot = shards_[index];
  Shard* shard = slot.load(std::memory_order_acquire);
  if (shard == nullptr) [[unlikely]] {
    auto* fresh = new (std::nothrow) Shard();
    if (fresh == nullptr) {
      // Out of memory: losing one sample beats terminating.
      return;
    }
    if (slot.compare_exchange_strong(shard, fresh, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      shard = fresh;
    } else {
      delete fresh;  // another thread on the same shard won; `shard` now holds its pointer
    }
  }
  auto& bucket = shard->buckets[BucketFor(ns)];
  if (detail::OwnsShard(index)) {
    // The only writer of this shard: a plain load and store (no locked read-modify-write);
    // readers still see whole values.
    bucket.store(bucket.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    shard->sum_nanos.store(shard->sum_nanos.load(std::memory_order_relaxed) + ns,
                           std::memory_order_relaxed);
  } else {
    bucket.fetch_add(1, std::memory_order_relaxed);
    shard->sum_nanos.fetch_add(ns, std::memory_order_relaxed);
  }
}

Histogram::Snapshot Histogram::Read() const noexcept {
  Snapshot snap;
  for (const auto& slot : shards_) {
    const Shard* shard = slot.load(std::memory_order_acquire);
    if (shard == nullptr) {
      continue;
    }
    for (std::size_t i = 0; i < kBuckets; ++i) {
      snap.buckets[i] += shard->buckets[i].load(std::memory_order_relaxed);
    }
    snap.sum_nanos += shard->sum_nanos.load(std::memory_order_relaxed);
  }
  for (std::uint64_t n : snap.buckets) {
    snap.count += n;
  }
  return snap;
}

std::chrono::nanoseconds Histogram::Snapshot::Quantile(double q) const noexcept {
  if (count == 0) {
    return std::chrono::nanoseconds{0};
  }
  q = std::isnan(q) ? 0.0 : std::clamp(q, 0.0, 1.0);
  const auto wanted = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count))));
  std::uint64_t seen = 0;
  std::size_t i = 0;
  for (; i < kInfBucket; ++i) {
    seen += buckets[i];
    if (seen >= wanted) {
      break;
    }
  }
  // Values past the last finite bound report that bound: an honest "at least", not infinity.
  const std::uint64_t bound = UpperBoundNanos(std::min(i, kInfBucket - 1));
  return std::chrono::nanoseconds{static_cast<std::int64_t>(bound)};
}

// --- DiscardingMetricSink ------------------------------------------------------------------

namespace {
using SinkKey = std::pair<std::string, MetricLabels>;

SinkKey MakeKey(std::string_view name, const MetricLabels& labels) {
  SinkKey key{std::string(name), labels};
  std::sort(key.second.begin(), key.second.end());
  return key;
}

template <typename T>
T& FindOrAdd(std::map<SinkKey, std::unique_ptr<T>>& metrics, std::string_view name,
             const MetricLabels& labels) {
  auto& slot = metrics[MakeKey(name, labels)];
  if (!slot) {
    slot = std::make_unique<T>();
  }
  return *slot;
}
}  // namespace

struct DiscardingMetricSink::Store {
  std::mutex mu;
  std::map<SinkKey, std::unique_ptr<Counter>> counters;
  std::map<SinkKey, std::unique_ptr<Gauge>> gauges;
  std::map<SinkKey, std::unique_ptr<Histogram>> histograms;
};

DiscardingMetricSink::DiscardingMetricSink() : store_(std::make_unique<Store>()) {}
DiscardingMetricSink::~DiscardingMetricSink() = default;

Counter& DiscardingMetricSink::GetCounter(std::string_view name, std::string_view,
                                          const MetricLabels& labels) {
  std::lock_guard lock(store_->mu);
  return FindOrAdd(store_->counters, name, labels);
}

Gauge& DiscardingMetricSink::GetGauge(std::string_view name, std::string_view,
                                      const MetricLabels& labels) {
  std::lock_guard lock(store_->mu);
  return FindOrAdd(store_->gauges, name, labels);
}

Histogram& DiscardingMetricSink::GetHistogram(std::string_view name, std::string_view,
                                              const MetricLabels& labels) {
  std::lock_guard lock(store_->mu);
  return FindOrAdd(store_->histograms, name, labels);
}

}  // namespace keel
