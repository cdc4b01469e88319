// keel/cache/random.hpp — the random source XFetch draws from, injectable for tests.
//
//   keel::cache::SplitMixRandom random(/*seed=*/42);   // production: one per cache
//   struct Fixed : keel::cache::RandomSource { double NextUnit() noexcept override { return 0.5; }
//   };
//
// Thread safety: NextUnit() may be called from any thread (SplitMixRandom is lock-free).
#pragma once

#include <atomic>
#include <cstdint>

namespace keel::cache {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Uniform in (0, 1] (never 0: XFetch takes its logarithm).
  [[nodiscard]] virtual double NextUnit() noexcept = 0;
};

// splitmix64 over an atomic counter: no lock, no global state.
class SplitMixRandom final : public RandomSource {
 public:
  explicit SplitMixRandom(std::uint64_t seed = 0x5eed) : state_(seed) {}
  [[nodiscard]] double NextUnit() noexcept override {
    std::uint64_t z = state_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (static_cast<double>(z >> 11) + 1.0) * 0x1p-53;
  }

 private:
  std::atomic<std::uint64_t> state_;
};

}  // namespace keel::cache
