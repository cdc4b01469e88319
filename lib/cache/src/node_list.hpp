// Intrusive doubly linked lists over entry ids, shared by the eviction policies.
//
// The links live in parallel arrays indexed by id (PolicyNodes) rather than in heap nodes: a
// policy then costs 22 bytes per entry and no allocation per insert.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "keel/cache/eviction_policy.hpp"

namespace keel::cache::detail {

inline constexpr EntryId kNoEntry = UINT32_MAX;

struct PolicyNodes {
  std::vector<EntryId> prev;
  std::vector<EntryId> next;
  std::vector<std::uint32_t> weight;
  std::vector<std::uint8_t> queue;  // which of the policy's lists holds the entry
  std::vector<std::uint8_t> freq;   // policy-specific small counter
  std::vector<std::uint64_t> hash;

  void Ensure(EntryId id) {
    if (id < prev.size()) {
      return;
    }
    const std::size_t n = std::max<std::size_t>(id + 1, prev.size() * 2);
    prev.resize(n, kNoEntry);
    next.resize(n, kNoEntry);
    weight.resize(n, 0);
    queue.resize(n, 0);
    freq.resize(n, 0);
    hash.resize(n, 0);
  }
};

// One list: front = most recently inserted/used, back = next victim.
class IdList {
 public:
  [[nodiscard]] bool empty() const noexcept { return head_ == kNoEntry; }
  [[nodiscard]] EntryId back() const noexcept { return tail_; }
  [[nodiscard]] std::uint64_t weight() const noexcept { return weight_; }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

  void PushFront(PolicyNodes& n, EntryId id) noexcept {
    n.prev[id] = kNoEntry;
    n.next[id] = head_;
    if (head_ != kNoEntry) {
      n.prev[head_] = id;
    } else {
      tail_ = id;
    }
    head_ = id;
    weight_ += n.weight[id];
    ++count_;
  }
  void Unlink(PolicyNodes& n, EntryId id) noexcept {
    const EntryId p = n.prev[id];
    const EntryId x = n.next[id];
    (p != kNoEntry ? n.next[p] : head_) = x;
    (x != kNoEntry ? n.prev[x] : tail_) = p;
    n.prev[id] = n.next[id] = kNoEntry;
    weight_ -= n.weight[id];
    --count_;
  }
  void MoveToFront(PolicyNodes& n, EntryId id) noexcept {
    if (head_ != id) {
      Unlink(n, id);
      PushFront(n, id);
    }
  }
  // Changes an entry's weight while it is on this list.
  void SetWeight(PolicyNodes& n, EntryId id, std::uint32_t w) noexcept {
    weight_ = weight_ - n.weight[id] + w;
    n.weight[id] = w;
  }

 private:
  EntryId head_ = kNoEntry;
  EntryId tail_ = kNoEntry;
  std::uint64_t weight_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace keel::cache::detail
