#include "lru_policy.hpp"

namespace keel::cache::detail {

void LruPolicy::OnInsert(EntryId id, std::uint64_t hash, std::uint32_t weight) {
  nodes_.Ensure(id);
  nodes_.hash[id] = hash;
  nodes_.weight[id] = weight;
  list_.PushFront(nodes_, id);
}

void LruPolicy::OnUpdate(EntryId id, std::uint32_t weight) {
  list_.SetWeight(nodes_, id, weight);
  list_.MoveToFront(nodes_, id);
}

void LruPolicy::Evict(std::vector<EntryId>& victims) {
  while (list_.weight() > max_weight_ && !list_.empty()) {
    const EntryId victim = list_.back();
    list_.Unlink(nodes_, victim);
    victims.push_back(victim);
  }
}

}  // namespace keel::cache::detail
