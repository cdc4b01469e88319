#include "frequency_sketch.hpp"

#include <algorithm>
#include <bit>

namespace keel::cache::detail {
namespace {

// Mixers: the block is chosen by one mix of the hash, the counters inside it by another, so
// items sharing a block rarely share all four counters.
std::uint64_t Spread(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
std::uint64_t Rehash(std::uint64_t x) noexcept {
  x *= 0x31848bab;
  return x ^ (x >> 14);
}

// Word (0..7 within the block) and nibble (0..15) of counter `depth` (0..3).
struct Counter {
  std::size_t word;
  unsigned nibble;
};
Counter CounterAt(std::uint64_t counter_hash, unsigned depth) noexcept {
  const std::uint64_t h = counter_hash >> (depth << 3);
  return {static_cast<std::size_t>((depth << 1) + (h & 1)), static_cast<unsigned>((h >> 1) & 15)};
}

}  // namespace

void FrequencySketch::EnsureCapacity(std::size_t items) {
  const std::size_t words = std::bit_ceil(std::max<std::size_t>(items, 8));
  if (words <= table_.size()) {
    return;
  }
  table_.assign(words, 0);
  block_mask_ = (words >> 3) - 1;
  sample_size_ = 10 * static_cast<std::uint64_t>(words);
  size_ = 0;
}

int FrequencySketch::Frequency(std::uint64_t hash) const noexcept {
  if (table_.empty()) {
    return 0;
  }
  const std::uint64_t spread = Spread(hash);
  const std::uint64_t counter_hash = Rehash(spread);
  const std::size_t block = BlockOf(spread);
  int frequency = 15;
  for (unsigned depth = 0; depth < 4; ++depth) {
    const Counter c = CounterAt(counter_hash, depth);
    const int count = static_cast<int>((table_[block + c.word] >> (c.nibble << 2)) & 0xF);
    frequency = std::min(frequency, count);
  }
  return frequency;
}

void FrequencySketch::Increment(std::uint64_t hash) noexcept {
  if (table_.empty()) {
    return;
  }
  const std::uint64_t spread = Spread(hash);
  const std::uint64_t counter_hash = Rehash(spread);
  const std::size_t block = BlockOf(spread);
  bool added = false;
  for (unsigned depth = 0; depth < 4; ++depth) {
    const Counter c = CounterAt(counter_hash, depth);
    std::uint64_t& word = table_[block + c.word];
    const std::uint64_t mask = 0xFULL << (c.nibble << 2);
    if ((word & mask) != mask) {
      word += 1ULL << (c.nibble << 2);
      added = true;
    }
  }
  if (added && ++size_ >= sample_size_) {
    Age();
  }
}

void FrequencySketch::Age() noexcept {
  std::uint64_t odd = 0;
  for (std::uint64_t& word : table_) {
    odd += static_cast<std::uint64_t>(std::popcount(word & 0x1111111111111111ULL));
    word = (word >> 1) & 0x7777777777777777ULL;
  }
  // Halving drops each odd counter's remainder: subtract those before halving the total.
  const std::uint64_t dropped = odd >> 2;
  size_ = size_ > dropped ? (size_ - dropped) >> 1 : 0;
}

}  // namespace keel::cache::detail
