// keel/cache/detail/slot_index.hpp — key hash -> entry id by open addressing (implementation).
//
// Linear probing over 8-byte buckets {id, low 32 bits of the hash}: ~11 bytes per entry at the
// 3/4 maximum load, against ~40 for a node-based map, and the key itself is stored only once
// (in the cache's slot). Deletion shifts followers back, so there are no tombstones.
// Thread safety: none (the shard lock guards it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace keel::cache::detail {

class SlotIndex {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // The id whose bucket matches `hash` and for which eq(id) holds, or kNone.
  template <typename Eq>
  [[nodiscard]] std::uint32_t Find(std::uint64_t hash, Eq&& eq) const {
    if (buckets_.empty()) {
      return kNone;
    }
    const auto low = static_cast<std::uint32_t>(hash);
    for (std::size_t i = low & mask_;; i = (i + 1) & mask_) {
      const Bucket& b = buckets_[i];
      if (b.id == kNone) {
        return kNone;
      }
      if (b.low == low && eq(b.id)) {
        return b.id;
      }
    }
  }

  void Insert(std::uint64_t hash, std::uint32_t id) {
    if ((size_ + 1) * 4 > buckets_.size() * 3) {
      Grow();
    }
    Place({id, static_cast<std::uint32_t>(hash)});
    ++size_;
  }

  void Erase(std::uint64_t hash, std::uint32_t id) {
    std::size_t i = static_cast<std::uint32_t>(hash) & mask_;
    while (buckets_[i].id != id) {
      i = (i + 1) & mask_;
    }
    // Backward shift: pull each follower whose home is not inside (i, j] into the hole.
    for (std::size_t j = (i + 1) & mask_; buckets_[j].id != kNone; j = (j + 1) & mask_) {
      const std::size_t home = buckets_[j].low & mask_;
      const bool stays = i < j ? (home > i && home <= j) : (home > i || home <= j);
      if (!stays) {
        buckets_[i] = buckets_[j];
        i = j;
      }
    }
    buckets_[i] = Bucket{};
    --size_;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t bucket_count() const noexcept { return buckets_.size(); }

 private:
  struct Bucket {
    std::uint32_t id = kNone;
    std::uint32_t low = 0;
  };
  void Place(Bucket b) {
    std::size_t i = b.low & mask_;
    while (buckets_[i].id != kNone) {
      i = (i + 1) & mask_;
    }
    buckets_[i] = b;
  }
  void Grow() {
    std::vector<Bucket> old = std::move(buckets_);
    buckets_.assign(old.empty() ? 16 : old.size() * 2, Bucket{});
    mask_ = buckets_.size() - 1;
    for (const Bucket& b : old) {
      if (b.id != kNone) {
        Place(b);
      }
    }
  }

  std::vector<Bucket> buckets_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace keel::cache::detail
