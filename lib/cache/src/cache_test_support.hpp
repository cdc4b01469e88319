// Test helpers for keel::cache: running coroutines to the end, a fixed random source, a Zipf
// trace for hit-rate comparisons.
#pragma once

#include "keel/testing/coro.hpp"
#include "keel/testing/temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "keel/cache/random.hpp"

namespace keel::cache::testing {

using keel::testing::Await;
using keel::testing::RunUntil;
using keel::testing::Spawn;

// Always returns the same draw (XFetch tests).
class FixedRandom final : public RandomSource {
 public:
  explicit FixedRandom(double value) : value_(value) {}
  [[nodiscard]] double NextUnit() noexcept override { return value_; }
  void set(double v) noexcept { value_ = v; }

 private:
  double value_;
};

// Zipf(s) ranks over n keys, deterministic for a seed.
inline std::vector<std::uint64_t> ZipfKeys(std::size_t n, double s, std::size_t length,
                                           std::uint64_t seed) {
  std::vector<double> cdf(n);
  double sum = 0;
  for (std::size_t k = 0; k < n; ++k) {
    sum += 1.0 / std::pow(static_cast<double>(k + 1), s);
    cdf[k] = sum;
  }
  SplitMixRandom random(seed);
  std::vector<std::uint64_t> keys(length);
  for (auto& key : keys) {
    const double u = random.NextUnit() * sum;
    key = static_cast<std::uint64_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
  }
  return keys;
}

}  // namespace keel::cache::testing
