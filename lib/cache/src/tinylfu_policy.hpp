// W-TinyLFU (Einziger, Friedman, Manes, ACM ToS 2017; as in Caffeine) with a fixed window.
//
// New entries enter a small LRU window (1 % of the weight). The window's victim is a candidate
// for the main segmented LRU (probation 20 % / protected 80 %); it is admitted only when the
// frequency sketch says it is used more often than main's victim, so a scan of one-time keys
// flows through the window without displacing the working set. A hit in probation promotes to
// protected; protected overflow demotes back to probation.
#pragma once

#include <cstdint>

#include "frequency_sketch.hpp"
#include "keel/cache/eviction_policy.hpp"
#include "node_list.hpp"

namespace keel::cache::detail {

class TinyLfuPolicy final : public EvictionPolicy {
 public:
  TinyLfuPolicy(std::uint64_t max_weight, std::size_t expected_entries, std::uint64_t seed,
                double window_fraction = 0.01, double protected_fraction = 0.80);

  void OnInsert(EntryId id, std::uint64_t hash, std::uint32_t weight) override;
  void OnHit(EntryId id) override;
  void OnUpdate(EntryId id, std::uint32_t weight) override;
  void OnRemove(EntryId id) override;
  void Evict(std::vector<EntryId>& victims) override;
  [[nodiscard]] std::uint64_t weight() const noexcept override {
    return window_.weight() + probation_.weight() + protected_.weight();
  }
  [[nodiscard]] std::uint64_t max_weight() const noexcept override { return max_weight_; }

 private:
  enum Queue : std::uint8_t { kWindow, kProbation, kProtected };
  IdList& ListOf(EntryId id) noexcept;
  [[nodiscard]] std::uint64_t MainWeight() const noexcept {
    return probation_.weight() + protected_.weight();
  }
  // Moves `id` into main if it wins against main's victims, else appends it to `victims`.
  void Admit(EntryId id, std::vector<EntryId>& victims);
  [[nodiscard]] bool CandidateWins(EntryId candidate, EntryId victim) noexcept;
  void DemoteProtectedOverflow();
  std::uint64_t NextRandom() noexcept;

  std::uint64_t max_weight_;
  std::uint64_t max_window_;
  std::uint64_t max_protected_;
  std::size_t live_ = 0;
  std::uint64_t random_state_;
  FrequencySketch sketch_;
  PolicyNodes nodes_;
  IdList window_;
  IdList probation_;
  IdList protected_;
};

}  // namespace keel::cache::detail
