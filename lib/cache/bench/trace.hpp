// Synthetic access traces for hit-rate measurement (bench/cache.sh and the policy tests).
//
// No public cache trace is reachable from this build machine (only Debian and npm registries
// are), so the shapes below are generated, deterministic for a seed, and described exactly:
//   Zipf(s)     n keys, P(rank k) ~ 1/k^s; s = 0.99 is the YCSB/Caffeine convention.
//   web+scan    Zipf(0.9) over a popularity order that drifts (every phase, 1 % of the hot keys
//               are replaced by new ones) mixed with 30 % one-time keys (crawlers, long tail):
//               the shape of a product-page trace with bot traffic.
//   loop        a cyclic scan over `n` keys with 20 % Zipf(0.99) lookups mixed in (the
//               LIRS "loop"/"gli" shape where LRU collapses once the loop exceeds the cache).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace keel::cache::bench {

class ZipfGenerator {
 public:
  ZipfGenerator(std::size_t n, double s, std::uint64_t seed);
  // A rank in [0, n): 0 is the most popular.
  std::uint64_t Next();

 private:
  std::vector<double> cdf_;
  std::uint64_t state_;
};

std::vector<std::uint64_t> ZipfTrace(std::size_t keys, double s, std::size_t length,
                                     std::uint64_t seed);
std::vector<std::uint64_t> WebScanTrace(std::size_t keys, std::size_t length, std::uint64_t seed);
std::vector<std::uint64_t> LoopTrace(std::size_t loop_keys, std::size_t length, std::uint64_t seed);
// Reads a trace of one decimal key per line (e.g. a converted public trace); empty on failure.
std::vector<std::uint64_t> ReadTrace(const std::string& path);
// Distinct keys in a trace.
std::size_t DistinctKeys(const std::vector<std::uint64_t>& trace);

}  // namespace keel::cache::bench
