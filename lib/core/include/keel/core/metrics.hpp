// keel/core/metrics.hpp — metric recording primitives and the sink they are obtained from.
//
// Recording is per-thread sharded (a relaxed atomic add on a mostly thread-owned cache line) and
// merged only when read, so recording on the hot path never contends. Components in any module
// obtain their metrics from a MetricSink passed to their constructor; keel::observe implements the
// sink (naming, labels, Prometheus exposition) and the app injects it. Lower modules therefore
// need nothing from observe.
//
//   keel::Counter& rejected = sink.GetCounter("keel_pool_rejections_total", "Tasks refused",
//                                            {{"pool", "db"}});
//   rejected.Add();
//
// Thread safety: every recording and reading member is safe from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keel {

namespace detail {
inline constexpr std::size_t kMetricShards = 8;
// A small per-thread index spreading recordings across shards.
[[nodiscard]] std::size_t ThisThreadShard() noexcept;
}  // namespace detail

class Counter {
 public:
  void Add(std::uint64_t n = 1) noexcept {
    shards_[detail::ThisThreadShard()].v.fetch_add(n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t Value() const noexcept;

 private:
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> v{0};
  };
  std::array<Shard, detail::kMetricShards> shards_{};
};

class Gauge {
 public:
  void Set(double v) noexcept { v_.store(v, std::memory_order_relaxed); }
  void Add(double d) noexcept;
  [[nodiscard]] double Value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0.0};
};

// Log-linear latency histogram: 8 buckets per power of two from 32.8 µs to 68.7 s (relative bucket
// width <= 12.5 %), fine enough for p50/p95/p99/p99.9 between 50 µs and 60 s. Bucket i counts
// values v with UpperBound(i-1) < v <= UpperBound(i); the last bucket is +Inf.
class Histogram {
 public:
  static constexpr int kSubBits = 3;
  static constexpr int kMinOctave = 15;  // 2^15 ns = 32.768 µs
  static constexpr int kMaxOctave = 36;  // 2^36 ns = 68.7 s
  static constexpr std::size_t kBuckets = 1 + (kMaxOctave - kMinOctave) * (1 << kSubBits) + 1;

  void Record(std::chrono::nanoseconds d) noexcept;
  void RecordNanos(std::uint64_t ns) noexcept;

  // Upper bound of bucket i in nanoseconds (UINT64_MAX for the +Inf bucket).
  [[nodiscard]] static std::uint64_t UpperBoundNanos(std::size_t i) noexcept;
  [[nodiscard]] static std::size_t BucketFor(std::uint64_t ns) noexcept;

  struct Snapshot {
    std::array<std::uint64_t, kBuckets> buckets{};  // not cumulative
    std::uint64_t count = 0;
    std::uint64_t sum_nanos = 0;
    // The bucket upper bound below which a share q of values lie (0 when empty).
    [[nodiscard]] std::chrono::nanoseconds Quantile(double q) const noexcept;
  };
  [[nodiscard]] Snapshot Read() const noexcept;

 private:
  // No per-shard count: Read() derives it from the buckets, so a read racing with recordings
  // still yields a +Inf bucket equal to the count (the exposition format requires it).
  struct alignas(64) Shard {
    std::array<std::atomic<std::uint64_t>, kBuckets> buckets{};
    std::atomic<std::uint64_t> sum_nanos{0};
  };
  // Allocated on first record: a registered but unused histogram costs one pointer per shard.
  std::array<std::atomic<Shard*>, detail::kMetricShards> shards_{};

 public:
  Histogram() = default;
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;
  ~Histogram();
};

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Where components get their metrics. Returned references stay valid for the sink's lifetime;
// asking twice for the same name and labels returns the same metric. Not meant for the hot path:
// obtain once, keep the reference.
class MetricSink {
 public:
  virtual ~MetricSink() = default;
  virtual Counter& GetCounter(std::string_view name, std::string_view help,
                              const MetricLabels& labels = {}) = 0;
  virtual Gauge& GetGauge(std::string_view name, std::string_view help,
                          const MetricLabels& labels = {}) = 0;
  virtual Histogram& GetHistogram(std::string_view name, std::string_view help,
                                  const MetricLabels& labels = {}) = 0;
};

// A sink that records into private metrics nobody exports (for tests and tools).
class DiscardingMetricSink final : public MetricSink {
 public:
  DiscardingMetricSink();
  ~DiscardingMetricSink() override;
  Counter& GetCounter(std::string_view, std::string_view, const MetricLabels&) override;
  Gauge& GetGauge(std::string_view, std::string_view, const MetricLabels&) override;
  Histogram& GetHistogram(std::string_view, std::string_view, const MetricLabels&) override;

 private:
  struct Store;
  std::unique_ptr<Store> store_;
};

}  // namespace keel
