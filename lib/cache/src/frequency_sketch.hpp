// A 4-bit count-min sketch estimating how often a hash was seen recently (TinyLFU's "frequency").
//
// Layout as in Caffeine's FrequencySketch: a table of 64-bit words, 16 four-bit counters each;
// an item's 4 counters (depth 4) all sit in one 64-byte block of 8 words, so an update touches
// one cache line. Counters saturate at 15. After 10 x capacity increments every counter is
// halved ("aging"), so popularity decays and yesterday's hot keys cannot squat forever.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace keel::cache::detail {

class FrequencySketch {
 public:
  // Sizes the table for about `items` distinct hot items; a no-op when already that large.
  // Growing resets all counts.
  void EnsureCapacity(std::size_t items);
  [[nodiscard]] std::size_t capacity() const noexcept { return table_.size(); }

  // Estimated recent count of `hash`, 0..15.
  [[nodiscard]] int Frequency(std::uint64_t hash) const noexcept;
  void Increment(std::uint64_t hash) noexcept;

  // Increments since the last aging (for tests).
  [[nodiscard]] std::uint64_t SizeForTest() const noexcept { return size_; }

 private:
  void Age() noexcept;
  [[nodiscard]] std::size_t BlockOf(std::uint64_t spread) const noexcept {
    return static_cast<std::size_t>(spread & block_mask_) << 3;
  }

  std::vector<std::uint64_t> table_;
  std::uint64_t block_mask_ = 0;
  std::uint64_t sample_size_ = 0;
  std::uint64_t size_ = 0;
};

}  // namespace keel::cache::detail
