#include "random.hpp"

namespace keel::load {

namespace {

uint64_t SplitMix64(uint64_t& x) noexcept {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr uint64_t Rotl(uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

Random::Random(uint64_t seed) noexcept {
  for (auto& s : s_) {
    s = SplitMix64(seed);  // never all zero, whatever the seed
  }
}

uint64_t Random::Next() noexcept {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

int64_t Random::Between(int64_t lo, int64_t hi) noexcept {
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  if (span == 0) {  // the whole int64 range
    return static_cast<int64_t>(Next());
  }
  // Lemire's multiply-shift: the bias is below 2^-64 * span, invisible at these counts.
  __extension__ using Uint128 = unsigned __int128;
  const auto scaled = static_cast<Uint128>(Next()) * span;
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + static_cast<uint64_t>(scaled >> 64));
}

void Random::AppendUuid(std::string& out) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t hi = Next();
  uint64_t lo = Next();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;              // version 4
  lo = (lo & ~(0xc0ULL << 56)) | (0x80ULL << 56);  // variant 10xx
  char buf[36];
  int pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) {
      buf[pos++] = '-';
    }
    const uint64_t word = i < 16 ? hi : lo;
    buf[pos++] = kHex[(word >> (60 - 4 * (i % 16))) & 0xf];
  }
  out.append(buf, sizeof(buf));
}

}  // namespace keel::load
