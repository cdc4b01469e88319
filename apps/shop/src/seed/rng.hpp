// A small deterministic random generator (SplitMix64) for the seeder. std::uniform_*_distribution
// differs between standard libraries; this gives the same data set everywhere for a given seed.
#pragma once

#include <cstdint>

namespace shop::seed {

class Rng {
 public:
  explicit Rng(std::uint64_t state) noexcept : state_(state) {}

  // One generator per (seed, kind, id): each row's values do not depend on generation order.
  [[nodiscard]] static Rng For(std::uint64_t seed, std::uint64_t kind, std::uint64_t id) noexcept {
    return Rng(seed * 0x9E3779B97F4A7C15ULL ^ kind * 0xBF58476D1CE4E5B9ULL ^ id);
  }

  std::uint64_t Next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // Uniform in [lo, hi] (lo <= hi); the modulo bias is below span / 2^64, far below noticing.
  std::int64_t Between(std::int64_t lo, std::int64_t hi) noexcept {
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(Next() % span);
  }

  // True with probability percent / 100.
  bool Percent(int percent) noexcept { return Between(0, 99) < percent; }

 private:
  std::uint64_t state_;
};

}  // namespace shop::seed
