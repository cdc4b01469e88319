// keel/cache/local_cache.hpp — the in-process store: sharded, weight-bounded, TTL, tags, versions.
//
// Keys hash to one of N shards; each shard has its own mutex, slot table and eviction policy, so
// reads of different shards never contend and no lock is global. Capacity is a weight (a
// user-supplied weigher, e.g. bytes), split evenly over the shards; the policy (W-TinyLFU by
// default, S3-FIFO or LRU) decides admission and eviction. Each entry has its own fresh / stale /
// error windows (see settings.hpp); an entry past its last window is removed when a lookup finds
// it and by an amortised sweep (every write examines two slots of its shard; Sweep() does all).
//
// Invalidation: by key, by tag (entries carry tags; InvalidateTag drops every entry with it), and
// by version — per key (EntryOptions::version: an older Put never replaces a newer entry) and per
// namespace (BumpNamespace makes every entry stored under the previous version invalid). Write
// paths invalidate after their transaction commits. A load that began before an invalidation of
// its key or one of its tags does not store its (possibly pre-write) value: see BeginLoad().
//
// This is the synchronous layer; keel/cache/cache.hpp adds loading, single-flight, early refresh
// and stale serving on top, and most code should use that.
//
//   keel::cache::LocalCache<std::int64_t, std::shared_ptr<const Product>> cache(
//       {.name = "products", .max_weight = 32 << 20}, clock, &sink,
//       [](std::int64_t, const auto& p) { return static_cast<std::uint32_t>(p->ByteSize()); });
//   cache.Put(42, product, {.tags = {"product:42"}});
//   if (auto p = cache.GetIfPresent(42)) { ... }
//   cache.InvalidateTag("product:42");
//
// Values are copied out under the shard lock: use a cheap-to-copy V (std::shared_ptr<const T>,
// small structs). Thread safety: every member may be called from any thread.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "keel/cache/cache_metrics.hpp"
#include "keel/cache/detail/slot_index.hpp"
#include "keel/cache/detail/support.hpp"
#include "keel/cache/eviction_policy.hpp"
#include "keel/cache/settings.hpp"
#include "keel/core/clock.hpp"
#include "keel/core/error.hpp"

namespace keel::cache {

enum class Freshness {
  kFresh,      // before fresh_until
  kStale,      // inside the stale-while-revalidate window
  kErrorOnly,  // past that, inside the stale-if-error window: usable only when a load fails
};

// A copy of an entry as a lookup found it.
template <typename V>
struct Cached {
  std::optional<V> value;  // nullopt: a negative entry (see `error`)
  Error error;             // a negative entry's error (kNotFound)
  Freshness freshness = Freshness::kFresh;
  TimePoint stored_at;
  TimePoint fresh_until;
  TimePoint error_until;  // end of the stale-if-error window
  Duration load_time = Duration::zero();
  [[nodiscard]] bool negative() const noexcept { return !value.has_value(); }
};

// Taken before a load starts (BeginLoad) and given back with its result (PutLoaded).
struct LoadStamp {
  std::uint64_t epoch = 0;
  detail::NamespaceState* ns = nullptr;
  std::uint64_t ns_version = 0;
};

template <typename K, typename V, typename Hash = std::hash<K>>
class LocalCache {
 public:
  // Weight of an entry in the units of CacheSettings::max_weight; null: every entry weighs 1.
  using Weigher = std::function<std::uint32_t(const K&, const V&)>;

  // `clock` and `sink` (may be null) must outlive the cache.
  LocalCache(CacheSettings settings, const Clock& clock, MetricSink* sink, Weigher weigher = {});
  LocalCache(const LocalCache&) = delete;
  LocalCache& operator=(const LocalCache&) = delete;

  // A fresh, positive value; counts a hit or a miss.
  [[nodiscard]] std::optional<V> GetIfPresent(const K& key);
  // The entry in whatever usable window it is (fresh, stale, error-only), negative or not.
  // Counts no hit/miss (the caller decides what it was); tells the policy of the use.
  [[nodiscard]] std::optional<Cached<V>> Lookup(const K& key);

  // Stores a value. False when not stored: an older version than the stored one, heavier than
  // a shard, or refused admission by the policy.
  bool Put(const K& key, V value, const EntryOptions& options = {});
  // Caches a "not found" for options.ttl or settings().negative_ttl.
  bool PutNegative(const K& key, Error error, const EntryOptions& options = {});

  // For loads: take a stamp before loading, and store the outcome with it. A value or negative
  // result is dropped when its key or a tag of it was invalidated (or its namespace bumped) after
  // the stamp was taken: the loader may have read before that write committed.
  [[nodiscard]] LoadStamp BeginLoad(std::string_view ns = {});
  bool PutLoaded(const K& key, std::optional<V> value, Error error, const EntryOptions& options,
                 const LoadStamp& stamp);

  bool Invalidate(const K& key);
  std::size_t InvalidateTag(std::string_view tag);
  void BumpNamespace(std::string_view ns);
  void Clear();
  // Removes every entry past its last window; returns how many.
  std::size_t Sweep();

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::uint64_t weight() const;
  [[nodiscard]] std::size_t shard_count() const noexcept { return shards_.size(); }
  [[nodiscard]] const CacheSettings& settings() const noexcept { return settings_; }
  [[nodiscard]] CacheMetrics& metrics() noexcept { return metrics_; }
  [[nodiscard]] const Clock& clock() const noexcept { return clock_; }
  // The mixed hash a key is sharded and indexed by.
  [[nodiscard]] std::uint64_t HashOf(const K& key) const {
    return detail::Mix64(static_cast<std::uint64_t>(hash_(key)));
  }

 private:
  struct Extras;
  struct Slot;
  struct Shard;
  struct Incoming;

  [[nodiscard]] Shard& ShardFor(std::uint64_t hash) noexcept {
    return *shards_[shard_bits_ == 0 ? 0 : hash >> (64 - shard_bits_)];
  }
  [[nodiscard]] EntryId FindLocked(Shard& shard, std::uint64_t hash, const K& key) const;
  std::uint64_t StoreLocked(Shard& shard, Incoming& in);
  void RemoveLocked(Shard& shard, EntryId id, bool tell_policy);
  void SweepSomeLocked(Shard& shard, TimePoint now, std::size_t count);
  [[nodiscard]] bool UsableLocked(const Slot& slot, TimePoint now) const noexcept;
  bool Store(const K& key, std::optional<V> value, Error error, const EntryOptions& options,
             Duration default_ttl, const LoadStamp* stamp);
  bool RemoveIfToken(const K& key, std::uint64_t token);

  CacheSettings settings_;
  const Clock& clock_;
  Weigher weigher_;
  Hash hash_;
  CacheMetrics metrics_;
  unsigned shard_bits_ = 0;
  std::vector<std::unique_ptr<Shard>> shards_;
  detail::NamespaceRegistry namespaces_;
  detail::InvalidationLog log_;
};

}  // namespace keel::cache

#include "keel/cache/detail/local_cache_impl.hpp"  // IWYU pragma: export
