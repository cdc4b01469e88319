// keel/cache/detail/local_cache_impl.hpp — template definitions of keel/cache/local_cache.hpp.
//
// Include <keel/cache/local_cache.hpp> instead. Layout of a shard: entries live in fixed chunks
// of slots addressed by a dense id (ids of removed entries are reused), a SlotIndex maps the key
// hash to the id, the policy tracks ids only, and a TagIndex maps tags to ids.
#pragma once

#include "keel/cache/local_cache.hpp"

namespace keel::cache {

template <typename K, typename V, typename Hash>
struct LocalCache<K, V, Hash>::Extras {
  std::vector<std::string> tags;
  Error error;  // a negative entry's error
};

template <typename K, typename V, typename Hash>
struct LocalCache<K, V, Hash>::Slot {
  std::optional<K> key;  // nullopt: the slot is free
  std::optional<V> value;
  std::unique_ptr<Extras> extras;  // only entries with tags or an error pay for it
  std::uint64_t hash = 0;
  std::uint64_t token = 0;    // unique per store: lets a load remove exactly what it stored
  std::uint64_t version = 0;  // EntryOptions::version
  detail::NamespaceState* ns = nullptr;
  std::uint64_t ns_version = 0;
  TimePoint stored_at;
  TimePoint fresh_until;
  TimePoint stale_until;  // end of stale-while-revalidate
  TimePoint error_until;  // end of stale-if-error
  TimePoint gone_at;      // end of the last window
  Duration load_time = Duration::zero();
  std::uint32_t weight = 0;
};

template <typename K, typename V, typename Hash>
struct alignas(64) LocalCache<K, V, Hash>::Shard {
  static constexpr unsigned kChunkBits = 8;  // 256 slots: growth never moves a slot

  Slot& at(EntryId id) noexcept { return chunks[id >> kChunkBits][id & ((1u << kChunkBits) - 1)]; }
  EntryId Allocate() {
    if (!free.empty()) {
      const EntryId id = free.back();
      free.pop_back();
      return id;
    }
    if ((next_id & ((1u << kChunkBits) - 1)) == 0) {
      chunks.push_back(std::make_unique<Slot[]>(1u << kChunkBits));
    }
    return next_id++;
  }

  std::mutex mutex;
  detail::SlotIndex index;
  std::vector<std::unique_ptr<Slot[]>> chunks;
  std::vector<EntryId> free;
  EntryId next_id = 0;
  std::unique_ptr<EvictionPolicy> policy;
  detail::TagIndex tags;
  std::uint64_t next_token = 1;
  EntryId sweep_hand = 0;
  std::vector<EntryId> victims;  // scratch, reused
  std::size_t entries = 0;
};

// What one store brings (bundled so StoreLocked stays readable).
template <typename K, typename V, typename Hash>
struct LocalCache<K, V, Hash>::Incoming {
  const K& key;
  std::uint64_t hash;
  std::optional<V> value;
  Error error;
  const EntryOptions& options;
  Duration ttl;
  TimePoint now;
  const LoadStamp* stamp;
};

template <typename K, typename V, typename Hash>
LocalCache<K, V, Hash>::LocalCache(CacheSettings settings, const Clock& clock, MetricSink* sink,
                                   Weigher weigher)
    : settings_(std::move(settings)),
      clock_(clock),
      weigher_(std::move(weigher)),
      metrics_(sink, settings_.name) {
  std::size_t n = settings_.shards;
  if (n == 0) {
    n = std::min<std::size_t>(64,
                              std::bit_ceil(4 * std::max(1u, std::thread::hardware_concurrency())));
    while (n > 1 && settings_.max_weight / n < 256) {
      n /= 2;
    }
  }
  n = std::bit_ceil(n);
  shard_bits_ = static_cast<unsigned>(std::countr_zero(n));
  const std::uint64_t per_shard = std::max<std::uint64_t>(1, settings_.max_weight / n);
  std::size_t expected = settings_.expected_entries / n;
  if (expected == 0 && !weigher_) {
    expected = static_cast<std::size_t>(std::min<std::uint64_t>(per_shard, 1u << 22));
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto shard = std::make_unique<Shard>();
    shard->policy = MakeEvictionPolicy({.kind = settings_.policy,
                                        .max_weight = per_shard,
                                        .expected_entries = expected,
                                        .seed = detail::Mix64(i + 1)});
    shards_.push_back(std::move(shard));
  }
}

template <typename K, typename V, typename Hash>
EntryId LocalCache<K, V, Hash>::FindLocked(Shard& shard, std::uint64_t hash, const K& key) const {
  return shard.index.Find(hash, [&](EntryId id) {
    const Slot& s = shard.at(id);
    return s.hash == hash && *s.key == key;
  });
}

template <typename K, typename V, typename Hash>
bool LocalCache<K, V, Hash>::UsableLocked(const Slot& slot, TimePoint now) const noexcept {
  return now < slot.gone_at &&
         (slot.ns == nullptr ||
          slot.ns->version.load(std::memory_order_acquire) == slot.ns_version);
}

template <typename K, typename V, typename Hash>
std::optional<V> LocalCache<K, V, Hash>::GetIfPresent(const K& key) {
  auto found = Lookup(key);
  if (found && found->freshness == Freshness::kFresh && !found->negative()) {
    metrics_.hits->Add();
    return std::move(found->value);
  }
  metrics_.misses->Add();
  return std::nullopt;
}

template <typename K, typename V, typename Hash>
std::optional<Cached<V>> LocalCache<K, V, Hash>::Lookup(const K& key) {
  const std::uint64_t hash = HashOf(key);
  const TimePoint now = clock_.Now();
  Shard& shard = ShardFor(hash);
  std::lock_guard lock(shard.mutex);
  const EntryId id = FindLocked(shard, hash, key);
  if (id == detail::SlotIndex::kNone) {
    return std::nullopt;
  }
  Slot& s = shard.at(id);
  if (!UsableLocked(s, now)) {
    RemoveLocked(shard, id, true);
    metrics_.expired->Add();
    return std::nullopt;
  }
  shard.policy->OnHit(id);
  Cached<V> out{.value = s.value,
                .error = s.extras && !s.value ? s.extras->error : Error(),
                .freshness = now < s.fresh_until   ? Freshness::kFresh
                             : now < s.stale_until ? Freshness::kStale
                                                   : Freshness::kErrorOnly,
                .stored_at = s.stored_at,
                .fresh_until = s.fresh_until,
                .error_until = s.error_until,
                .load_time = s.load_time};
  return out;
}

template <typename K, typename V, typename Hash>
bool LocalCache<K, V, Hash>::Put(const K& key, V value, const EntryOptions& options) {
  return Store(key, std::move(value), Error(), options, settings_.ttl, nullptr);
}

template <typename K, typename V, typename Hash>
bool LocalCache<K, V, Hash>::PutNegative(const K& key, Error error, const EntryOptions& options) {
  return Store(key, std::nullopt, std::move(error), options, settings_.negative_ttl, nullptr);
}

template <typename K, typename V, typename Hash>
LoadStamp LocalCache<K, V, Hash>::BeginLoad(std::string_view ns) {
  LoadStamp stamp{.epoch = log_.Epoch()};
  if (!ns.empty()) {
    stamp.ns = namespaces_.Get(ns);
    stamp.ns_version = stamp.ns->version.load(std::memory_order_acquire);
  }
  return stamp;
}

template <typename K, typename V, typename Hash>
bool LocalCache<K, V, Hash>::PutLoaded(const K& key, std::optional<V> value, Error error,
                                       const EntryOptions& options, const LoadStamp& stamp) {
  const Duration ttl = value ? settings_.ttl : settings_.negative_ttl;
  return Store(key, std::move(value), std::move(error), options, ttl, &stamp);
}

template <typename K, typename V, typename Hash>
bool LocalCache<K, V, Hash>::Store(const K& key, std::optional<V> value, Error error,
                                   const EntryOptions& options, Duration default_ttl,
                                   const LoadStamp* stamp) {
  LoadStamp own;
  if (stamp == nullptr && !options.ns.empty()) {
    own = BeginLoad(options.ns);
    stamp = &own;
  }
  if (stamp != nullptr && stamp->ns != nullptr &&
      stamp->ns->version.load(std::memory_order_acquire) != stamp->ns_version) {
    return false;  // the namespace was bumped while loading
  }
  const std::uint64_t hash = HashOf(key);
  Incoming in{key,     hash,        std::move(value), std::move(error),
              options, default_ttl, clock_.Now(),     stamp};
  std::uint64_t token = 0;
  {
    Shard& shard = ShardFor(hash);
    std::lock_guard lock(shard.mutex);
    token = StoreLocked(shard, in);
  }
  if (token == 0 || stamp == nullptr || stamp == &own) {
    return token != 0;
  }
  // Invalidate records in the log before it removes, so checking after storing closes the race
  // with an invalidation that ran while the value was being loaded (see InvalidationLog).
  std::vector<std::uint64_t> hashes{hash};
  for (const std::string& tag : options.tags) {
    hashes.push_back(detail::HashTag(tag));
  }
  if (log_.InvalidatedSince(stamp->epoch, hashes.data(), hashes.size())) {
    RemoveIfToken(key, token);
    return false;
  }
  return true;
}

template <typename K, typename V, typename Hash>
std::uint64_t LocalCache<K, V, Hash>::StoreLocked(Shard& shard, Incoming& in) {
  const std::uint32_t weight =
      !in.value ? settings_.negative_weight
                : (weigher_ ? std::max<std::uint32_t>(1, weigher_(in.key, *in.value)) : 1);
  if (weight > shard.policy->max_weight()) {
    return 0;
  }
  EntryId id = FindLocked(shard, in.hash, in.key);
  if (id != detail::SlotIndex::kNone) {
    Slot& s = shard.at(id);
    if (in.options.version != 0 && s.version > in.options.version) {
      return 0;
    }
    if (s.extras) {
      shard.tags.Remove(id, s.extras->tags);
    }
    metrics_.weight->Add(static_cast<double>(weight) - static_cast<double>(s.weight));
    shard.policy->OnUpdate(id, weight);
  } else {
    id = shard.Allocate();
    Slot& s = shard.at(id);
    s.key.emplace(in.key);
    s.hash = in.hash;
    shard.index.Insert(in.hash, id);
    shard.policy->OnInsert(id, in.hash, weight);
    ++shard.entries;
    metrics_.entries->Add(1);
    metrics_.weight->Add(weight);
  }
  Slot& s = shard.at(id);
  const EntryOptions& o = in.options;
  const bool negative = !in.value;
  s.value = std::move(in.value);
  s.extras.reset();
  if (negative || !o.tags.empty()) {
    s.extras = std::make_unique<Extras>(Extras{o.tags, std::move(in.error)});
    shard.tags.Add(id, o.tags);
  }
  const Duration swr = negative
                           ? Duration::zero()
                           : o.stale_while_revalidate.value_or(settings_.stale_while_revalidate);
  const Duration sie =
      negative ? Duration::zero() : o.stale_if_error.value_or(settings_.stale_if_error);
  s.stored_at = in.now;
  s.fresh_until = in.now + o.ttl.value_or(in.ttl);
  s.stale_until = s.fresh_until + swr;
  s.error_until = s.fresh_until + sie;
  s.gone_at = s.fresh_until + std::max(swr, sie);
  s.load_time = o.load_time;
  s.version = o.version;
  s.ns = in.stamp != nullptr ? in.stamp->ns : nullptr;
  s.ns_version = in.stamp != nullptr ? in.stamp->ns_version : 0;
  s.weight = weight;
  s.token = shard.next_token++;
  std::uint64_t token = s.token;

  shard.victims.clear();
  shard.policy->Evict(shard.victims);
  for (const EntryId victim : shard.victims) {
    token = victim == id ? 0 : token;
    RemoveLocked(shard, victim, false);
    metrics_.evictions->Add();
  }
  SweepSomeLocked(shard, in.now, 2);
  return token;
}

template <typename K, typename V, typename Hash>
void LocalCache<K, V, Hash>::RemoveLocked(Shard& shard, EntryId id, bool tell_policy) {
  Slot& s = shard.at(id);
  if (tell_policy) {
    shard.policy->OnRemove(id);
  }
  if (s.extras) {
    shard.tags.Remove(id, s.extras->tags);
  }
  shard.index.Erase(s.hash, id);
  metrics_.entries->Add(-1);
  metrics_.weight->Add(-static_cast<double>(s.weight));
  s.key.reset();
  s.value.reset();
  s.extras.reset();
  shard.free.push_back(id);
  --shard.entries;
}

template <typename K, typename V, typename Hash>
void LocalCache<K, V, Hash>::SweepSomeLocked(Shard& shard, TimePoint now, std::size_t count) {
  for (std::size_t i = 0; i < count && shard.next_id != 0; ++i) {
    shard.sweep_hand = shard.sweep_hand + 1 < shard.next_id ? shard.sweep_hand + 1 : 0;
    const Slot& s = shard.at(shard.sweep_hand);
    if (s.key && !UsableLocked(s, now)) {
      RemoveLocked(shard, shard.sweep_hand, true);
      metrics_.expired->Add();
    }
  }
}

template <typename K, typename V, typename Hash>
bool LocalCache<K, V, Hash>::RemoveIfToken(const K& key, std::uint64_t token) {
  const std::uint64_t hash = HashOf(key);
  Shard& shard = ShardFor(hash);
  std::lock_guard lock(shard.mutex);
  const EntryId id = FindLocked(shard, hash, key);
  if (id == detail::SlotIndex::kNone || shard.at(id).token != token) {
    return false;
  }
  RemoveLocked(shard, id, true);
  return true;
}

template <typename K, typename V, typename Hash>
bool LocalCache<K, V, Hash>::Invalidate(const K& key) {
  const std::uint64_t hash = HashOf(key);
  log_.Record(hash);  // before removing: see Store()
  Shard& shard = ShardFor(hash);
  std::lock_guard lock(shard.mutex);
  const EntryId id = FindLocked(shard, hash, key);
  if (id == detail::SlotIndex::kNone) {
    return false;
  }
  RemoveLocked(shard, id, true);
  return true;
}

template <typename K, typename V, typename Hash>
std::size_t LocalCache<K, V, Hash>::InvalidateTag(std::string_view tag) {
  log_.Record(detail::HashTag(tag));
  std::size_t removed = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    for (const EntryId id : shard->tags.Take(tag)) {
      RemoveLocked(*shard, id, true);
      ++removed;
    }
  }
  return removed;
}

template <typename K, typename V, typename Hash>
void LocalCache<K, V, Hash>::BumpNamespace(std::string_view ns) {
  // Entries of the old version become unusable at once and are dropped lazily / by the sweep.
  namespaces_.Get(ns)->version.fetch_add(1, std::memory_order_acq_rel);
}

template <typename K, typename V, typename Hash>
void LocalCache<K, V, Hash>::Clear() {
  log_.RecordAll();
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    for (EntryId id = 0; id < shard->next_id; ++id) {
      if (shard->at(id).key) {
        RemoveLocked(*shard, id, true);
      }
    }
  }
}

template <typename K, typename V, typename Hash>
std::size_t LocalCache<K, V, Hash>::Sweep() {
  const TimePoint now = clock_.Now();
  std::size_t removed = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    for (EntryId id = 0; id < shard->next_id; ++id) {
      const Slot& s = shard->at(id);
      if (s.key && !UsableLocked(s, now)) {
        RemoveLocked(*shard, id, true);
        ++removed;
      }
    }
  }
  metrics_.expired->Add(removed);
  return removed;
}

template <typename K, typename V, typename Hash>
std::size_t LocalCache<K, V, Hash>::size() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    n += shard->entries;
  }
  return n;
}

template <typename K, typename V, typename Hash>
std::uint64_t LocalCache<K, V, Hash>::weight() const {
  std::uint64_t w = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    w += shard->policy->weight();
  }
  return w;
}

}  // namespace keel::cache
