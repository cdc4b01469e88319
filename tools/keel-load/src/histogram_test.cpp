#include "histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace keel::load {
namespace {

double RelativeError(int64_t reported, int64_t exact) {
  return std::abs(static_cast<double>(reported - exact)) / static_cast<double>(exact);
}

// The exact percentile with the same rank rule: the ceil(p% * n)-th smallest sample.
int64_t ExactPercentile(std::vector<int64_t> v, double p) {
  std::sort(v.begin(), v.end());
  const auto rank = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()))));
  return v[rank - 1];
}

TEST(HistogramTest, BucketsTileTheRangeWithoutGaps) {
  Histogram h;
  for (std::size_t i = 1; i < h.IndexOf(Histogram::kMaxValueNs); ++i) {
    ASSERT_EQ(h.LowestOf(i), h.HighestOf(i - 1) + 1) << i;
    ASSERT_EQ(h.IndexOf(h.LowestOf(i)), i);
    ASSERT_EQ(h.IndexOf(h.HighestOf(i)), i);
  }
}

TEST(HistogramTest, EveryValueIsWithinTheRelativeErrorBound) {
  for (int bits : {7, 10}) {
    Histogram h(bits);
    const double bound = std::ldexp(1.0, -(bits + 1));  // half a bucket of 2^-bits
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> log_uniform(std::log(1e3), std::log(6e10));  // 1us-60s
    for (int i = 0; i < 20000; ++i) {
      const auto v = static_cast<int64_t>(std::exp(log_uniform(rng)));
      h.Reset();
      h.Record(v);
      h.Record(1);  // widen [min, max] so that clamping does not help
      h.Record(Histogram::kMaxValueNs);
      const int64_t reported = h.ValueAtPercentile(50);
      ASSERT_LE(RelativeError(reported, v), bound) << "bits " << bits << " value " << v;
    }
    EXPECT_LE(bound, 0.01);
  }
}

TEST(HistogramTest, PercentilesMatchExactOnesWithinTheBound) {
  Histogram h;
  std::vector<int64_t> samples;
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(std::log(2e7), 0.6);  // ~20 ms, long tail
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<int64_t>(latency(rng));
    samples.push_back(v);
    h.Record(v);
  }
  for (double p : {0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    EXPECT_LE(RelativeError(h.ValueAtPercentile(p), ExactPercentile(samples, p)), 0.0005) << p;
  }
  EXPECT_EQ(h.count(), samples.size());
  EXPECT_EQ(h.max(), *std::max_element(samples.begin(), samples.end()));
  EXPECT_EQ(h.min(), *std::min_element(samples.begin(), samples.end()));
}

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (int64_t v = 0; v < 1024; ++v) {
    EXPECT_EQ(h.LowestOf(h.IndexOf(v)), v);
    EXPECT_EQ(h.HighestOf(h.IndexOf(v)), v);
  }
}

TEST(HistogramTest, MergeEqualsRecordingEverythingInOne) {
  Histogram a;
  Histogram b;
  Histogram all;
  for (int64_t v = 1000; v < 5'000'000; v += 997) {
    (v % 3 == 0 ? a : b).Record(v);
    all.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double p : {10.0, 50.0, 99.0, 99.9}) {
    EXPECT_EQ(a.ValueAtPercentile(p), all.ValueAtPercentile(p)) << p;
  }
}

TEST(HistogramTest, MergeIntoEmptyAndResetForReuse) {
  Histogram a;
  Histogram b;
  b.Record(5'000'000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 1u);
  EXPECT_EQ(a.min(), 5'000'000);
  a.Reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.ValueAtPercentile(99), 0);
  a.Record(42);
  EXPECT_EQ(a.ValueAtPercentile(100), 42);
  EXPECT_EQ(a.min(), 42);
}

TEST(HistogramTest, OutOfRangeValuesAreClampedAndCounted) {
  Histogram h;
  h.Record(-5);
  h.Record(Histogram::kMaxValueNs * 2);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), Histogram::kMaxValueNs);
  EXPECT_EQ(h.saturated(), 1u);
}

TEST(HistogramTest, RecordWithCountWeightsTheSample) {
  Histogram h;
  h.Record(1'000'000, 99);
  h.Record(500'000'000, 1);
  EXPECT_NEAR(static_cast<double>(h.ValueAtPercentile(99)), 1e6, 1e6 * 0.0005);
  EXPECT_NEAR(static_cast<double>(h.ValueAtPercentile(99.5)), 5e8, 5e8 * 0.0005);
}

}  // namespace
}  // namespace keel::load
