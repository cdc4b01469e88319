#include "keel/core/metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

namespace keel {
namespace {

using std::chrono::nanoseconds;

TEST(CounterTest, AddsAndSums) {
  Counter c;
  EXPECT_EQ(c.Value(), 0u);
  c.Add();
  c.Add(41);
  EXPECT_EQ(c.Value(), 42u);
}

TEST(GaugeTest, SetAndAdd) {
  Gauge g;
  EXPECT_EQ(g.Value(), 0.0);
  g.Set(3.5);
  g.Add(1.5);
  g.Add(-2.0);
  EXPECT_DOUBLE_EQ(g.Value(), 3.0);
}

TEST(ThisThreadShardTest, StableWithinThreadAndInRange) {
  const std::size_t first = detail::ThisThreadShard();
  EXPECT_LT(first, detail::kMetricShards);
  EXPECT_EQ(detail::ThisThreadShard(), first);
}

TEST(HistogramTest, BucketLayout) {
  EXPECT_EQ(Histogram::kBuckets, 170u);
  EXPECT_EQ(Histogram::UpperBoundNanos(0), 32768u);
  EXPECT_EQ(Histogram::UpperBoundNanos(1), 32768u + 4096u);
  EXPECT_EQ(Histogram::UpperBoundNanos(8), 65536u);
  EXPECT_EQ(Histogram::UpperBoundNanos(9), 65536u + 8192u);
  EXPECT_EQ(Histogram::UpperBoundNanos(Histogram::kBuckets - 2), std::uint64_t{1} << 36);
  EXPECT_EQ(Histogram::UpperBoundNanos(Histogram::kBuckets - 1), UINT64_MAX);
  for (std::size_t i = 1; i < Histogram::kBuckets; ++i) {
    const double lo = static_cast<double>(Histogram::UpperBoundNanos(i - 1));
    const double hi = static_cast<double>(Histogram::UpperBoundNanos(i));
    ASSERT_GT(hi, lo) << i;
    if (i + 1 < Histogram::kBuckets) {
      EXPECT_LE((hi - lo) / lo, 0.125 + 1e-12) << i;
    }
  }
}

TEST(HistogramTest, ExactBoundsLandInTheLowerBucket) {
  EXPECT_EQ(Histogram::BucketFor(0), 0u);
  EXPECT_EQ(Histogram::BucketFor(1), 0u);
  for (std::size_t i = 0; i + 1 < Histogram::kBuckets; ++i) {
    const std::uint64_t bound = Histogram::UpperBoundNanos(i);
    EXPECT_EQ(Histogram::BucketFor(bound), i) << i;
    EXPECT_EQ(Histogram::BucketFor(bound + 1), i + 1) << i;
    if (i > 0) {
      EXPECT_EQ(Histogram::BucketFor(Histogram::UpperBoundNanos(i - 1) + 1), i);
    }
  }
  EXPECT_EQ(Histogram::BucketFor(UINT64_MAX), Histogram::kBuckets - 1);
}

TEST(HistogramTest, RecordAndRead) {
  Histogram h;
  EXPECT_EQ(h.Read().count, 0u);
  EXPECT_EQ(h.Read().Quantile(0.5), nanoseconds{0});
  h.Record(nanoseconds{-5});  // clamped to zero
  h.Record(nanoseconds{40'000});
  h.RecordNanos(40'960);  // exactly UpperBoundNanos(2)
  const auto snap = h.Read();
  EXPECT_EQ(snap.count, 3u);
  EXPECT_EQ(snap.sum_nanos, 80'960u);
  EXPECT_EQ(snap.buckets[0], 1u);
  EXPECT_EQ(snap.buckets[2], 2u);
}

TEST(HistogramTest, QuantileOfSingleValueIsItsBucketBound) {
  Histogram h;
  h.RecordNanos(1'000'000);  // 1 ms
  const auto snap = h.Read();
  const auto expected = Histogram::UpperBoundNanos(Histogram::BucketFor(1'000'000));
  for (double q : {0.0, 0.5, 0.99, 1.0}) {
    EXPECT_EQ(snap.Quantile(q).count(), static_cast<std::int64_t>(expected)) << q;
  }
}

TEST(HistogramTest, QuantileUsesCeilRank) {
  Histogram h;
  for (int i = 0; i < 99; ++i) {
    h.RecordNanos(100'000);
  }
  h.RecordNanos(10'000'000);
  const auto snap = h.Read();
  const auto low =
      static_cast<std::int64_t>(Histogram::UpperBoundNanos(Histogram::BucketFor(100'000)));
  const auto high =
      static_cast<std::int64_t>(Histogram::UpperBoundNanos(Histogram::BucketFor(10'000'000)));
  EXPECT_EQ(snap.Quantile(0.99).count(), low);    // rank 99 is still the low value
  EXPECT_EQ(snap.Quantile(0.991).count(), high);  // rank 100 is the outlier
  EXPECT_EQ(snap.Quantile(1.0).count(), high);
}

TEST(HistogramTest, OverflowClampsToLargestFiniteBound) {
  Histogram h;
  h.RecordNanos(UINT64_MAX / 2);
  EXPECT_EQ(h.Read().buckets[Histogram::kBuckets - 1], 1u);
  EXPECT_EQ(static_cast<std::uint64_t>(h.Read().Quantile(0.5).count()),
            Histogram::UpperBoundNanos(Histogram::kBuckets - 2));
}

// Quantiles of known distributions stay within one bucket's relative width (12.5 %) of the truth.
void ExpectQuantilesClose(std::vector<std::uint64_t> values) {
  Histogram h;
  for (auto v : values) {
    h.RecordNanos(v);
  }
  std::sort(values.begin(), values.end());
  const auto snap = h.Read();
  ASSERT_EQ(snap.count, values.size());
  for (double q : {0.5, 0.9, 0.95, 0.99, 0.999}) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    const double truth = static_cast<double>(values[rank - 1]);
    const double got = static_cast<double>(snap.Quantile(q).count());
    EXPECT_GE(got, truth) << q;  // an upper bound by construction
    EXPECT_LE((got - truth) / truth, 0.125) << q;
  }
}

TEST(HistogramTest, QuantilesOfUniformDistribution) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<std::uint64_t> dist(50'000, 50'000'000);  // 50 µs .. 50 ms
  std::vector<std::uint64_t> values(100'000);
  for (auto& v : values) {
    v = dist(rng);
  }
  ExpectQuantilesClose(std::move(values));
}

TEST(HistogramTest, QuantilesOfLogNormalDistribution) {
  std::mt19937_64 rng(2);
  std::lognormal_distribution<double> dist(std::log(2e6), 1.0);  // median 2 ms, long tail
  std::vector<std::uint64_t> values(100'000);
  for (auto& v : values) {
    v = static_cast<std::uint64_t>(std::clamp(dist(rng), 40e3, 60e9));
  }
  ExpectQuantilesClose(std::move(values));
}

TEST(HistogramTest, ConcurrentRecordingSumsCorrectly) {
  Histogram h;
  Counter c;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        h.RecordNanos(static_cast<std::uint64_t>(40'000 + t * 1'000'000));
        c.Add();
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  const auto snap = h.Read();
  EXPECT_EQ(snap.count, std::uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(c.Value(), std::uint64_t{kThreads} * kPerThread);
  std::uint64_t expected_sum = 0;
  for (int t = 0; t < kThreads; ++t) {
    expected_sum += std::uint64_t{kPerThread} * (40'000 + t * 1'000'000);
    EXPECT_EQ(snap.buckets[Histogram::BucketFor(40'000 + t * 1'000'000)],
              std::uint64_t{kPerThread});
  }
  EXPECT_EQ(snap.sum_nanos, expected_sum);
}

TEST(GaugeTest, ConcurrentAddIsExact) {
  Gauge g;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        g.Add(1.0);
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_DOUBLE_EQ(g.Value(), 40'000.0);
}

TEST(DiscardingMetricSinkTest, SameNameAndLabelsGiveSameMetric) {
  DiscardingMetricSink sink;
  MetricSink& s = sink;
  Counter& a = s.GetCounter("x_total", "help", {{"a", "1"}, {"b", "2"}});
  Counter& b = s.GetCounter("x_total", "other help", {{"b", "2"}, {"a", "1"}});
  Counter& c = s.GetCounter("x_total", "help", {{"a", "2"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  EXPECT_EQ(&s.GetGauge("g", "h"), &s.GetGauge("g", "h"));
  EXPECT_EQ(&s.GetHistogram("h", "h"), &s.GetHistogram("h", "h"));
  a.Add(2);
  EXPECT_EQ(b.Value(), 2u);
}

}  // namespace
}  // namespace keel
