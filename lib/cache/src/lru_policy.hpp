// Plain LRU: the baseline the scan-resistant policies are measured against.
#pragma once

#include "keel/cache/eviction_policy.hpp"
#include "node_list.hpp"

namespace keel::cache::detail {

class LruPolicy final : public EvictionPolicy {
 public:
  explicit LruPolicy(std::uint64_t max_weight) : max_weight_(max_weight) {}

  void OnInsert(EntryId id, std::uint64_t hash, std::uint32_t weight) override;
  void OnHit(EntryId id) override { list_.MoveToFront(nodes_, id); }
  void OnUpdate(EntryId id, std::uint32_t weight) override;
  void OnRemove(EntryId id) override { list_.Unlink(nodes_, id); }
  void Evict(std::vector<EntryId>& victims) override;
  [[nodiscard]] std::uint64_t weight() const noexcept override { return list_.weight(); }
  [[nodiscard]] std::uint64_t max_weight() const noexcept override { return max_weight_; }

 private:
  std::uint64_t max_weight_;
  PolicyNodes nodes_;
  IdList list_;
};

}  // namespace keel::cache::detail
