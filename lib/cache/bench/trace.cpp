#include "trace.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <unordered_set>

namespace keel::cache::bench {
namespace {

std::uint64_t SplitMix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
double Unit(std::uint64_t& state) {
  return static_cast<double>(SplitMix(state) >> 11) * 0x1p-53;
}

}  // namespace

ZipfGenerator::ZipfGenerator(std::size_t n, double s, std::uint64_t seed) : state_(seed) {
  cdf_.resize(n);
  double sum = 0;
  for (std::size_t k = 0; k < n; ++k) {
    sum += 1.0 / std::pow(static_cast<double>(k + 1), s);
    cdf_[k] = sum;
  }
  for (double& c : cdf_) {
    c /= sum;
  }
}

std::uint64_t ZipfGenerator::Next() {
  const double u = Unit(state_);
  return static_cast<std::uint64_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
}

std::vector<std::uint64_t> ZipfTrace(std::size_t keys, double s, std::size_t length,
                                     std::uint64_t seed) {
  ZipfGenerator zipf(keys, s, seed);
  std::uint64_t scramble = seed ^ 0xabcdefULL;
  const std::uint64_t salt = SplitMix(scramble);
  std::vector<std::uint64_t> trace(length);
  for (auto& key : trace) {
    key = zipf.Next() ^ salt;  // popularity must not follow key order (hash-friendly or not)
  }
  return trace;
}

std::vector<std::uint64_t> WebScanTrace(std::size_t keys, std::size_t length, std::uint64_t seed) {
  ZipfGenerator zipf(keys, 0.9, seed);
  std::uint64_t rng = seed * 31 + 7;
  std::vector<std::uint64_t> by_rank(keys);
  for (std::size_t i = 0; i < keys; ++i) {
    by_rank[i] = i;
  }
  std::uint64_t next_new = keys;
  std::uint64_t next_once = 1ULL << 40;  // one-time keys live in their own range
  const std::size_t phase = std::max<std::size_t>(1, length / 50);
  std::vector<std::uint64_t> trace;
  trace.reserve(length);
  for (std::size_t i = 0; i < length; ++i) {
    if (i % phase == 0 && i > 0) {
      // Drift: 1 % of the top 10 % of ranks get brand-new keys (new products, trending pages).
      const std::size_t top = std::max<std::size_t>(1, keys / 10);
      for (std::size_t j = 0; j < std::max<std::size_t>(1, top / 100); ++j) {
        by_rank[SplitMix(rng) % top] = next_new++;
      }
    }
    trace.push_back(Unit(rng) < 0.3 ? next_once++ : by_rank[zipf.Next()]);
  }
  return trace;
}

std::vector<std::uint64_t> LoopTrace(std::size_t loop_keys, std::size_t length,
                                     std::uint64_t seed) {
  ZipfGenerator zipf(loop_keys, 0.99, seed);
  std::uint64_t rng = seed + 1;
  std::vector<std::uint64_t> trace;
  trace.reserve(length);
  std::uint64_t cursor = 0;
  for (std::size_t i = 0; i < length; ++i) {
    if (Unit(rng) < 0.2) {
      trace.push_back(zipf.Next());
    } else {
      trace.push_back(cursor);
      cursor = (cursor + 1) % loop_keys;
    }
  }
  return trace;
}

std::vector<std::uint64_t> ReadTrace(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::uint64_t> trace;
  std::uint64_t key = 0;
  while (in >> key) {
    trace.push_back(key);
  }
  return trace;
}

std::size_t DistinctKeys(const std::vector<std::uint64_t>& trace) {
  return std::unordered_set<std::uint64_t>(trace.begin(), trace.end()).size();
}

}  // namespace keel::cache::bench
