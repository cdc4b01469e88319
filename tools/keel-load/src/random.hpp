// random.hpp — the fast random source of a load worker (xoshiro256**) and the draws built on it.
//
// std::mt19937_64 is fine too, but a worker draws several numbers per request at up to ~10^5
// requests/s; xoshiro256** is smaller (32 bytes of state) and faster. One per thread, seeded from
// --seed and the thread's index, so a run is reproducible for a given seed and thread count.
#pragma once

#include <cstdint>
#include <string>

namespace keel::load {

class Random {
 public:
  explicit Random(uint64_t seed) noexcept;

  uint64_t Next() noexcept;
  // Uniform in [0, 1).
  double NextDouble() noexcept { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi] (inclusive); requires lo <= hi.
  int64_t Between(int64_t lo, int64_t hi) noexcept;
  // Appends a random (version 4) UUID in its 36-character text form.
  void AppendUuid(std::string& out) noexcept;

 private:
  uint64_t s_[4];
};

}  // namespace keel::load
