#include "tinylfu_policy.hpp"

#include <algorithm>

namespace keel::cache::detail {
namespace {

// Caffeine's ADMIT_HASHDOS_THRESHOLD: a candidate this popular that still loses is admitted at
// random (1 in 128), so an attacker who inflates a victim's count through hash collisions cannot
// pin it forever.
constexpr int kHashFloodThreshold = 6;

std::uint64_t FractionOf(std::uint64_t total, double fraction) {
  return static_cast<std::uint64_t>(static_cast<double>(total) * fraction);
}

}  // namespace

TinyLfuPolicy::TinyLfuPolicy(std::uint64_t max_weight, std::size_t expected_entries,
                             std::uint64_t seed, double window_fraction, double protected_fraction)
    : max_weight_(max_weight),
      max_window_(std::max<std::uint64_t>(1, FractionOf(max_weight, window_fraction))),
      max_protected_(
          FractionOf(max_weight - std::min(max_weight, max_window_), protected_fraction)),
      random_state_(seed | 1) {
  sketch_.EnsureCapacity(expected_entries);
}

IdList& TinyLfuPolicy::ListOf(EntryId id) noexcept {
  switch (nodes_.queue[id]) {
    case kWindow:
      return window_;
    case kProbation:
      return probation_;
    default:
      return protected_;
  }
}

void TinyLfuPolicy::OnInsert(EntryId id, std::uint64_t hash, std::uint32_t weight) {
  nodes_.Ensure(id);
  nodes_.hash[id] = hash;
  nodes_.weight[id] = weight;
  nodes_.queue[id] = kWindow;
  window_.PushFront(nodes_, id);
  // Weighted caches cannot know their entry count up front: grow the sketch with it.
  if (++live_ > sketch_.capacity()) {
    sketch_.EnsureCapacity(live_ * 2);
  }
  sketch_.Increment(hash);
}

void TinyLfuPolicy::OnHit(EntryId id) {
  sketch_.Increment(nodes_.hash[id]);
  switch (nodes_.queue[id]) {
    case kWindow:
      window_.MoveToFront(nodes_, id);
      break;
    case kProbation:
      probation_.Unlink(nodes_, id);
      nodes_.queue[id] = kProtected;
      protected_.PushFront(nodes_, id);
      DemoteProtectedOverflow();
      break;
    default:
      protected_.MoveToFront(nodes_, id);
      break;
  }
}

void TinyLfuPolicy::OnUpdate(EntryId id, std::uint32_t weight) {
  ListOf(id).SetWeight(nodes_, id, weight);
  OnHit(id);
}

void TinyLfuPolicy::OnRemove(EntryId id) {
  ListOf(id).Unlink(nodes_, id);
  --live_;
}

void TinyLfuPolicy::DemoteProtectedOverflow() {
  while (protected_.weight() > max_protected_ && !protected_.empty()) {
    const EntryId id = protected_.back();
    protected_.Unlink(nodes_, id);
    nodes_.queue[id] = kProbation;
    probation_.PushFront(nodes_, id);
  }
}

void TinyLfuPolicy::Evict(std::vector<EntryId>& victims) {
  const std::size_t first = victims.size();
  while (window_.weight() > max_window_) {
    const EntryId candidate = window_.back();
    window_.Unlink(nodes_, candidate);
    Admit(candidate, victims);
  }
  // Weight growth by updates inside main: evict from main's cold end, then the window.
  while (weight() > max_weight_) {
    IdList& from = !probation_.empty() ? probation_ : !protected_.empty() ? protected_ : window_;
    const EntryId id = from.back();
    from.Unlink(nodes_, id);
    victims.push_back(id);
  }
  live_ -= victims.size() - first;
}

void TinyLfuPolicy::Admit(EntryId candidate, std::vector<EntryId>& victims) {
  const std::uint64_t max_main = max_weight_ - std::min(max_weight_, max_window_);
  const std::uint32_t w = nodes_.weight[candidate];
  if (w > max_main) {
    victims.push_back(candidate);
    return;
  }
  while (MainWeight() + w > max_main) {
    IdList& from = !probation_.empty() ? probation_ : protected_;
    const EntryId victim = from.back();
    if (!CandidateWins(candidate, victim)) {
      victims.push_back(candidate);
      return;
    }
    from.Unlink(nodes_, victim);
    victims.push_back(victim);
  }
  nodes_.queue[candidate] = kProbation;
  probation_.PushFront(nodes_, candidate);
}

bool TinyLfuPolicy::CandidateWins(EntryId candidate, EntryId victim) noexcept {
  const int candidate_freq = sketch_.Frequency(nodes_.hash[candidate]);
  const int victim_freq = sketch_.Frequency(nodes_.hash[victim]);
  if (candidate_freq > victim_freq) {
    return true;
  }
  return candidate_freq >= kHashFloodThreshold && (NextRandom() & 127) == 0;
}

std::uint64_t TinyLfuPolicy::NextRandom() noexcept {
  // xorshift64: the policy's own deterministic stream (no global random state).
  random_state_ ^= random_state_ << 13;
  random_state_ ^= random_state_ >> 7;
  random_state_ ^= random_state_ << 17;
  return random_state_;
}

}  // namespace keel::cache::detail
