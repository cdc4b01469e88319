// S3-FIFO (Yang et al., SOSP 2023): a small FIFO filters one-hit wonders, a main FIFO with a 2-bit
// clock keeps the rest, and a ghost FIFO of evicted hashes lets a quickly returning key skip the
// small queue. A hit only bumps a counter, never moves a list node.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>

#include "keel/cache/eviction_policy.hpp"
#include "node_list.hpp"

namespace keel::cache::detail {

// Hashes of recently evicted entries, oldest dropped first.
class GhostQueue {
 public:
  void Add(std::uint64_t hash, std::size_t capacity);
  // True (and forgets the hash) when it was in the queue.
  bool Take(std::uint64_t hash);
  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }

 private:
  struct Item {
    std::uint64_t hash;
    std::uint64_t seq;
  };
  std::deque<Item> fifo_;
  std::unordered_map<std::uint64_t, std::uint64_t> members_;  // hash -> seq of its live item
  std::uint64_t next_seq_ = 0;
};

class S3FifoPolicy final : public EvictionPolicy {
 public:
  // `small_fraction` of max_weight for the small FIFO (0.10 in the paper); an entry leaving the
  // small FIFO moves to main when hit at least `move_to_main_threshold` times (1 in the newer
  // libCacheSim variants, 2 in the paper's S3FIFOv0).
  explicit S3FifoPolicy(std::uint64_t max_weight, double small_fraction = 0.10,
                        int move_to_main_threshold = 1);

  void OnInsert(EntryId id, std::uint64_t hash, std::uint32_t weight) override;
  void OnHit(EntryId id) override;
  void OnUpdate(EntryId id, std::uint32_t weight) override;
  void OnRemove(EntryId id) override { ListOf(id).Unlink(nodes_, id); }
  void Evict(std::vector<EntryId>& victims) override;
  [[nodiscard]] std::uint64_t weight() const noexcept override {
    return small_.weight() + main_.weight();
  }
  [[nodiscard]] std::uint64_t max_weight() const noexcept override { return max_weight_; }

 private:
  enum Queue : std::uint8_t { kSmall, kMain };
  IdList& ListOf(EntryId id) noexcept { return nodes_.queue[id] == kSmall ? small_ : main_; }
  void EvictFromSmall(std::vector<EntryId>& victims);
  void EvictFromMain(std::vector<EntryId>& victims);

  std::uint64_t max_weight_;
  std::uint64_t small_max_;
  int move_to_main_threshold_;
  PolicyNodes nodes_;
  IdList small_;
  IdList main_;
  GhostQueue ghost_;
};

}  // namespace keel::cache::detail
