#include "s3fifo_policy.hpp"

#include <algorithm>

namespace keel::cache::detail {

void GhostQueue::Add(std::uint64_t hash, std::size_t capacity) {
  const std::uint64_t seq = next_seq_++;
  fifo_.push_back({hash, seq});
  members_[hash] = seq;
  while (members_.size() > capacity || fifo_.size() > 2 * capacity + 16) {
    const Item oldest = fifo_.front();
    fifo_.pop_front();
    // Items superseded by a later Add (or taken) are skipped: only the live one counts.
    if (auto it = members_.find(oldest.hash); it != members_.end() && it->second == oldest.seq) {
      members_.erase(it);
    }
  }
}

bool GhostQueue::Take(std::uint64_t hash) {
  return members_.erase(hash) > 0;
}

S3FifoPolicy::S3FifoPolicy(std::uint64_t max_weight, double small_fraction,
                           int move_to_main_threshold)
    : max_weight_(max_weight),
      small_max_(std::max<std::uint64_t>(
          1, static_cast<std::uint64_t>(static_cast<double>(max_weight) * small_fraction))),
      move_to_main_threshold_(move_to_main_threshold) {}

void S3FifoPolicy::OnInsert(EntryId id, std::uint64_t hash, std::uint32_t weight) {
  nodes_.Ensure(id);
  nodes_.hash[id] = hash;
  nodes_.weight[id] = weight;
  nodes_.freq[id] = 0;
  // A key evicted recently and back already has proven reuse: straight to main.
  if (ghost_.Take(hash)) {
    nodes_.queue[id] = kMain;
    main_.PushFront(nodes_, id);
  } else {
    nodes_.queue[id] = kSmall;
    small_.PushFront(nodes_, id);
  }
}

void S3FifoPolicy::OnHit(EntryId id) {
  nodes_.freq[id] = static_cast<std::uint8_t>(std::min(nodes_.freq[id] + 1, 3));
}

void S3FifoPolicy::OnUpdate(EntryId id, std::uint32_t weight) {
  ListOf(id).SetWeight(nodes_, id, weight);
  OnHit(id);
}

void S3FifoPolicy::Evict(std::vector<EntryId>& victims) {
  while (weight() > max_weight_) {
    if (small_.weight() > small_max_ || main_.empty()) {
      EvictFromSmall(victims);
    } else {
      EvictFromMain(victims);
    }
  }
}

void S3FifoPolicy::EvictFromSmall(std::vector<EntryId>& victims) {
  const EntryId id = small_.back();
  small_.Unlink(nodes_, id);
  if (nodes_.freq[id] >= move_to_main_threshold_) {
    nodes_.queue[id] = kMain;
    main_.PushFront(nodes_, id);
    return;
  }
  // The ghost remembers about as many keys as main holds (90 % of capacity in the paper).
  ghost_.Add(nodes_.hash[id], std::max<std::size_t>(64, main_.count()));
  victims.push_back(id);
}

void S3FifoPolicy::EvictFromMain(std::vector<EntryId>& victims) {
  const EntryId id = main_.back();
  main_.Unlink(nodes_, id);
  if (nodes_.freq[id] > 0) {
    // The clock hand: a used entry gets another lap with one use less.
    --nodes_.freq[id];
    main_.PushFront(nodes_, id);
    return;
  }
  victims.push_back(id);
}

}  // namespace keel::cache::detail
