// histogram.hpp — an HDR-style latency histogram with a bounded relative error.
//
// keel::core's metrics Histogram has 12.5 % buckets: fine for dashboards, too coarse to tell a
// p99 of 20 ms from one of 22 ms. This one is log-linear: values below 2^bits nanoseconds are
// exact, and every octave above is split into 2^bits equal sub-buckets, so a bucket is at most
// 2^-bits of its lower bound wide. A percentile is reported as its bucket's midpoint (clamped to
// the exact min/max), so the relative error is at most 2^-(bits+1): 0.05 % with the default
// 10 bits ("3 significant digits"), over 1 ns .. 60 s (larger values are clamped and counted).
//
//   Histogram h;                       // 10 bits, ~28 k buckets, ~220 KiB
//   h.Record(20'500'000);              // 20.5 ms in nanoseconds
//   int64_t p99 = h.ValueAtPercentile(99.0);
//
// Not thread-safe: one histogram per thread, merged (Merge) by whoever owns both.
#pragma once

#include <cstdint>
#include <vector>

namespace keel::load {

class Histogram {
 public:
  static constexpr int kDefaultBits = 10;
  static constexpr int64_t kMaxValueNs = 60'000'000'000;  // 60 s

  Histogram() : Histogram(kDefaultBits) {}
  explicit Histogram(int precision_bits);

  // Records `count` samples of `value_ns`; negative values count as 0, values above 60 s as 60 s.
  void Record(int64_t value_ns, uint64_t count = 1) noexcept;
  // Adds `other`'s samples; both must have the same precision (checked, fatal otherwise).
  void Merge(const Histogram& other);
  // Empties the histogram; costs only the range of buckets that were used.
  void Reset() noexcept;

  // The value at percentile p (0..100): the smallest bucket holding the ceil(p % * count)-th
  // sample, as its midpoint, clamped to [min, max]. 0 when empty.
  [[nodiscard]] int64_t ValueAtPercentile(double p) const noexcept;

  [[nodiscard]] uint64_t count() const noexcept { return count_; }
  [[nodiscard]] int64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] int64_t max() const noexcept { return max_; }
  [[nodiscard]] double mean() const noexcept;
  [[nodiscard]] uint64_t saturated() const noexcept { return saturated_; }  // values > 60 s
  [[nodiscard]] int precision_bits() const noexcept { return bits_; }

  // Bucket geometry, public for tests: the index of a value and the [low, high] range of values
  // an index holds.
  [[nodiscard]] std::size_t IndexOf(int64_t value) const noexcept;
  [[nodiscard]] int64_t LowestOf(std::size_t index) const noexcept;
  [[nodiscard]] int64_t HighestOf(std::size_t index) const noexcept;

 private:
  int bits_;
  std::vector<uint64_t> counts_;
  std::size_t lo_index_;  // range of buckets that may be non-zero, for cheap Merge/Reset
  std::size_t hi_index_ = 0;
  uint64_t count_ = 0;
  uint64_t saturated_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace keel::load
