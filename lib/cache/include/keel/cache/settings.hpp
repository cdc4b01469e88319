// keel/cache/settings.hpp — the knobs of a cache and of one entry.
//
// Times of an entry (RFC 5861 vocabulary), counted from when it was stored:
//   [0, ttl)                         fresh: served as is (XFetch may refresh it early)
//   [ttl, ttl + stale_while_revalidate)  stale: served at once while one caller refreshes it
//   [ttl, ttl + stale_if_error)      usable only when a load fails or times out
// After the last window the entry is gone (lazily on lookup, and by the amortised sweep).
//
//   keel::cache::CacheSettings s{.name = "products", .max_weight = 64 << 20,
//                                .ttl = 30s, .negative_ttl = 5s,
//                                .stale_while_revalidate = 10s, .stale_if_error = 5min};
//
// Thread safety: plain values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keel/cache/eviction_policy.hpp"
#include "keel/core/clock.hpp"

namespace keel::cache {

struct CacheSettings {
  std::string name = "default";  // metric label cache=<name>; invalidation events address it
  // Capacity in weigher units (bytes with a byte weigher; entries without a weigher).
  std::uint64_t max_weight = 10'000;
  PolicyKind policy = PolicyKind::kTinyLfu;
  // Independent shards, each with its own lock and policy. 0: about 4 per hardware thread
  // (a power of two, at most 64), fewer when that would leave a shard under 256 weight units.
  std::size_t shards = 0;
  std::size_t expected_entries = 0;  // see PolicySettings::expected_entries (per cache)

  Duration ttl = std::chrono::seconds(60);
  // "Not found" results (kNotFound from a loader) are cached this long; other errors never.
  Duration negative_ttl = std::chrono::seconds(5);
  Duration stale_while_revalidate = Duration::zero();
  Duration stale_if_error = Duration::zero();
  // Weight of a negative entry (it has no value for the weigher to measure).
  std::uint32_t negative_weight = 1;

  // XFetch early refresh: a hit refreshes in the background when
  //   now - load_time * beta * ln(rand()) >= fresh_until.  0 disables it; 1 is the paper's optimum.
  double xfetch_beta = 1.0;
  // The longest a load may run. Loads outlive the callers that started them (they fill the
  // cache for the others), so they need a bound of their own.
  Duration load_timeout = std::chrono::seconds(5);
};

// Per-entry overrides and attachments (Put, or returned by a loader via Loaded<V>).
struct EntryOptions {
  std::optional<Duration> ttl;
  std::optional<Duration> stale_while_revalidate;
  std::optional<Duration> stale_if_error;
  // Invalidation tags ("product:42" on every list page that shows product 42).
  std::vector<std::string> tags;
  // Per-key version (e.g. the row's version column). A Put older than the stored entry's
  // version is ignored, so a slow write path cannot overwrite a newer value. 0: unversioned.
  std::uint64_t version = 0;
  // Namespace whose version bump (BumpNamespace) invalidates the entry; empty: none.
  std::string ns;
  // How long the value took to compute (XFetch's delta); set by the loading cache itself.
  Duration load_time = Duration::zero();
};

}  // namespace keel::cache
