#include "zipf.hpp"

#include <algorithm>
#include <cmath>

namespace keel::load {

namespace {

// log1p(x) / x, stable near 0.
double Helper1(double x) noexcept {
  return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}

// expm1(x) / x, stable near 0.
double Helper2(double x) noexcept {
  return std::abs(x) > 1e-8 ? std::expm1(x) / x
                            : 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x));
}

}  // namespace

ZipfSampler::ZipfSampler(int64_t lo, int64_t hi, double s) noexcept
    : lo_(lo), n_(static_cast<double>(hi - lo + 1)), s_(s) {
  h_integral_x1_ = HIntegral(1.5) - 1.0;
  h_integral_n_ = HIntegral(n_ + 0.5);
  squeeze_ = 2.0 - HIntegralInverse(HIntegral(2.5) - H(2.0));
}

// h(x) = x^-s, the unnormalised density the discrete weights are bounded by.
double ZipfSampler::H(double x) const noexcept {
  return std::exp(-s_ * std::log(x));
}

// The integral of h from 1 to x: (x^(1-s) - 1) / (1 - s), written to stay exact at s = 1.
double ZipfSampler::HIntegral(double x) const noexcept {
  const double log_x = std::log(x);
  return Helper2((1.0 - s_) * log_x) * log_x;
}

double ZipfSampler::HIntegralInverse(double x) const noexcept {
  const double t = std::max(-1.0, x * (1.0 - s_));
  return std::exp(Helper1(t) * x);
}

int64_t ZipfSampler::Sample(Random& random) const noexcept {
  while (true) {
    // u is uniform over the area under h between 0.5 and n + 0.5; invert it to a point x and
    // accept its nearest integer k when the point falls under k's own weight.
    const double u = h_integral_n_ + random.NextDouble() * (h_integral_x1_ - h_integral_n_);
    const double x = HIntegralInverse(u);
    const double k = std::clamp(std::floor(x + 0.5), 1.0, n_);
    if (k - x <= squeeze_ || u >= HIntegral(k + 0.5) - H(k)) {
      return lo_ + static_cast<int64_t>(k) - 1;
    }
  }
}

}  // namespace keel::load
