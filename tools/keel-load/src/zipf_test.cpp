#include "zipf.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "random.hpp"

namespace keel::load {
namespace {

// Expected probability of rank k (1-based) for Zipf(n, s).
std::vector<double> ZipfPmf(int n, double s) {
  std::vector<double> p(static_cast<std::size_t>(n));
  double norm = 0;
  for (int k = 1; k <= n; ++k) {
    norm += std::pow(k, -s);
  }
  for (int k = 1; k <= n; ++k) {
    p[static_cast<std::size_t>(k - 1)] = std::pow(k, -s) / norm;
  }
  return p;
}

class ZipfDistributionTest : public ::testing::TestWithParam<double> {};

TEST_P(ZipfDistributionTest, FrequenciesMatchThePmf) {
  const double s = GetParam();
  constexpr int kN = 50;
  constexpr int kDraws = 400000;
  ZipfSampler zipf(101, 100 + kN, s);
  Random random(12345);
  std::vector<int> counts(kN, 0);
  for (int i = 0; i < kDraws; ++i) {
    const int64_t v = zipf.Sample(random);
    ASSERT_GE(v, 101);
    ASSERT_LE(v, 100 + kN);
    ++counts[static_cast<std::size_t>(v - 101)];
  }
  const auto pmf = ZipfPmf(kN, s);
  double chi2 = 0;
  for (int k = 0; k < kN; ++k) {
    const double expected = pmf[static_cast<std::size_t>(k)] * kDraws;
    chi2 += std::pow(counts[static_cast<std::size_t>(k)] - expected, 2) / expected;
  }
  // 49 degrees of freedom: the 99.99th percentile of chi-square is ~95; a wrong sampler is
  // off by thousands.
  EXPECT_LT(chi2, 95.0) << "s=" << s;
  // The hottest key really is the lowest value, and more popular than the next.
  EXPECT_GT(counts[0], counts[1]);
}

INSTANTIATE_TEST_SUITE_P(Exponents, ZipfDistributionTest, ::testing::Values(0.5, 1.0, 1.2, 2.0));

TEST(ZipfTest, LargeRangesNeedNoTable) {
  ZipfSampler zipf(1, 100'000'000, 1.1);
  Random random(1);
  int top10 = 0;
  for (int i = 0; i < 100000; ++i) {
    const int64_t v = zipf.Sample(random);
    ASSERT_GE(v, 1);
    ASSERT_LE(v, 100'000'000);
    top10 += v <= 10 ? 1 : 0;
  }
  // With s = 1.1 over 10^8 keys, the 10 hottest take ~30 % of the draws.
  EXPECT_GT(top10, 20000);
  EXPECT_LT(top10, 45000);
}

TEST(ZipfTest, SingleValueRange) {
  ZipfSampler zipf(7, 7, 1.0);
  Random random(3);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(zipf.Sample(random), 7);
  }
}

TEST(RandomTest, BetweenIsInclusiveAndUniform) {
  Random random(9);
  std::map<int64_t, int> counts;
  for (int i = 0; i < 60000; ++i) {
    ++counts[random.Between(-1, 4)];
  }
  ASSERT_EQ(counts.size(), 6u);
  for (const auto& [v, n] : counts) {
    EXPECT_NEAR(n, 10000, 600) << v;
  }
}

TEST(RandomTest, UuidIsVersion4) {
  Random random(5);
  std::string a;
  std::string b;
  random.AppendUuid(a);
  random.AppendUuid(b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a[8], '-');
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
}

}  // namespace
}  // namespace keel::load
