// keel/cache/detail/support.hpp — non-template helpers of LocalCache (implementation detail).
//
// Thread safety: TagIndex none (shard lock); NamespaceRegistry and InvalidationLog any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "keel/cache/eviction_policy.hpp"

namespace keel::cache::detail {

// splitmix64's finaliser: std::hash of an integer is the identity, and both the shard choice
// (high bits) and the slot index (low bits) need well-mixed bits.
[[nodiscard]] constexpr std::uint64_t Mix64(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
[[nodiscard]] std::uint64_t HashTag(std::string_view tag) noexcept;

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept;
};

// tag -> ids of the shard's entries carrying it.
class TagIndex {
 public:
  void Add(EntryId id, const std::vector<std::string>& tags);
  void Remove(EntryId id, const std::vector<std::string>& tags);
  // The ids carrying `tag`; the index forgets the tag.
  [[nodiscard]] std::vector<EntryId> Take(std::string_view tag);
  [[nodiscard]] std::size_t size() const noexcept { return map_.size(); }

 private:
  std::unordered_map<std::string, std::vector<EntryId>, StringHash, std::equal_to<>> map_;
};

// A namespace's version: bumping it invalidates every entry stored under an older one.
struct NamespaceState {
  std::atomic<std::uint64_t> version{1};
};

class NamespaceRegistry {
 public:
  // The namespace's state, created on first use; the pointer stays valid for the registry's life.
  NamespaceState* Get(std::string_view name);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<NamespaceState>, StringHash, std::equal_to<>>
      map_;
};

// The recent invalidations (hashes of keys and of tags), so that a load that started before an
// invalidation does not store what it read before the write. Bounded: when more invalidations
// happened during a load than the log holds, the load's value is conservatively not stored.
class InvalidationLog {
 public:
  static constexpr std::size_t kCapacity = 4096;

  [[nodiscard]] std::uint64_t Epoch() const;
  void Record(std::uint64_t hash);
  void RecordAll();  // Clear(): everything invalidated
  // Whether any of `hashes` (or everything) was invalidated after `epoch`.
  [[nodiscard]] bool InvalidatedSince(std::uint64_t epoch, const std::uint64_t* hashes,
                                      std::size_t count) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> ring_ = std::vector<std::uint64_t>(kCapacity);
  std::uint64_t epoch_ = 0;      // invalidations recorded so far
  std::uint64_t all_epoch_ = 0;  // epoch_ after the last RecordAll
};

}  // namespace keel::cache::detail
