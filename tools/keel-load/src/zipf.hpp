// zipf.hpp — a Zipf sampler over [lo, hi] in O(1) time and memory.
//
// Value lo + k - 1 is drawn with probability proportional to 1 / k^s (k = 1 .. n, n = hi-lo+1),
// so `lo` is the hottest key. Uses rejection-inversion (Hörmann & Derflinger 1996, as in Apache
// Commons RNG): no table of n cumulative weights, so n may be in the millions and s any value
// > 0, including 1.
//
//   ZipfSampler ids(1, 10000, 1.1);
//   int64_t id = ids.Sample(random);
#pragma once

#include <cstdint>

#include "random.hpp"

namespace keel::load {

class ZipfSampler {
 public:
  // Requires lo <= hi and s > 0 (validated by the scenario parser).
  ZipfSampler(int64_t lo, int64_t hi, double s) noexcept;

  [[nodiscard]] int64_t Sample(Random& random) const noexcept;

 private:
  [[nodiscard]] double H(double x) const noexcept;
  [[nodiscard]] double HIntegral(double x) const noexcept;
  [[nodiscard]] double HIntegralInverse(double x) const noexcept;

  int64_t lo_;
  double n_;
  double s_;
  double h_integral_x1_;
  double h_integral_n_;
  double squeeze_;
};

}  // namespace keel::load
