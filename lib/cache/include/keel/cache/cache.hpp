// keel/cache/cache.hpp — the loading cache: local store + single-flight + early refresh + stale
// serving + invalidation. What request handlers use.
//
// Get(key, loader, options):
//   fresh hit        -> the value (XFetch may start ONE background refresh of a hot key first)
//   negative hit     -> the cached kNotFound error (negative_ttl)
//   stale (SWR)      -> the stale value at once; ONE background refresh
//   miss             -> one loader run per key however many callers miss together; each caller
//                       waits with its own deadline (kDeadlineExceeded for it alone; the load
//                       goes on, bounded by settings.load_timeout, and fills the cache)
//   load failed      -> the stale value while inside stale-if-error and the error is a server
//                       error (5xx class: unavailable, overloaded, deadline, internal); else the
//                       error. kNotFound is cached for negative_ttl; other errors never.
// Loaders are coroutines `(keel::Deadline) -> awaitable<Result<V>>` (or with no argument), or
// return Result<Loaded<V>> to attach tags / per-entry TTLs / a version to what they load.
// A load can outlive the request that started it, so a loader must own what it uses: capture
// ids and services by value or pointer, never the request, its context or stack references.
// Background loads are spawned on the executor of the caller that triggered them.
//
//   keel::cache::Cache<std::int64_t, std::shared_ptr<const Product>> products(
//       {.name = "products", .max_weight = 64 << 20, .ttl = 30s, .stale_if_error = 5min},
//       clock, &sink, [](auto, const auto& p) { return p->weight(); });
//   auto p = co_await products.Get(id, [svc, id](keel::Deadline d) { return svc->Load(id, d); },
//                                  {.deadline = ctx.deadline(), .stages = &ctx.stages()});
//   // after the write commits:
//   products.Invalidate(id);  products.InvalidateTag("product:" + std::to_string(id));
//
// Thread safety: every member from any thread and any I/O thread's coroutine. Destroying the
// Cache is safe while loads run (they keep the shared state alive); the clock and sink must
// outlive those loads too.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <charconv>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "keel/cache/invalidation_bus.hpp"
#include "keel/cache/local_cache.hpp"
#include "keel/cache/random.hpp"
#include "keel/cache/single_flight.hpp"
#include "keel/cache/xfetch.hpp"
#include "keel/core/stage_account.hpp"
#include "keel/core/with_deadline.hpp"

namespace keel::cache {

// A loaded value with what to store it with (tags, TTL overrides, version).
template <typename V>
struct Loaded {
  V value;
  EntryOptions options;
};

// How a Get was answered (X-Cache, logs).
enum class CacheStatus { kNone, kHit, kNegativeHit, kStale, kMiss };
[[nodiscard]] std::string_view CacheStatusName(CacheStatus status) noexcept;

struct GetOptions {
  Deadline deadline = Deadline::Never();  // bounds this caller's wait only
  StageAccount* stages = nullptr;         // Stage::kCache gets the time, count 1 per Get
  CacheStatus* status = nullptr;          // set to how the Get was answered
  // Stored with a loaded value (tags known up front, TTLs, namespace); merged with Loaded<V>.
  const EntryOptions* entry = nullptr;
};

template <typename K, typename V, typename Hash = std::hash<K>>
class Cache {
 public:
  using Local = LocalCache<K, V, Hash>;
  using Weigher = typename Local::Weigher;

  // `random` may be null (a SplitMixRandom is used); tests inject a fixed one for XFetch.
  Cache(CacheSettings settings, const Clock& clock, MetricSink* sink, Weigher weigher = {},
        RandomSource* random = nullptr);
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // See the file comment. Errors: the loader's (or kInternal when it threw), kDeadlineExceeded
  // when options.deadline passed first, kCancelled when the awaiting coroutine was cancelled.
  template <typename F>
  boost::asio::awaitable<Result<V>> Get(K key, F loader, GetOptions options = {});

  [[nodiscard]] std::optional<V> GetIfPresent(const K& key) {
    return core_->local.GetIfPresent(key);
  }
  bool Put(const K& key, V value, const EntryOptions& options = {}) {
    return core_->local.Put(key, std::move(value), options);
  }
  // Drops the entry; a load of it already running is detached (later callers load anew and the
  // old load does not store).
  bool Invalidate(const K& key);
  std::size_t InvalidateTag(std::string_view tag);
  void BumpNamespace(std::string_view ns);
  void Clear();
  std::size_t Sweep() { return core_->local.Sweep(); }

  // Applies the bus's events addressed to this cache (by name) or to all caches. Key events
  // carry the key as text: integral and string keys parse by default; other key types need
  // `parse_key`. One bus per cache; the bus must outlive the cache (the destructor
  // unsubscribes).
  void Subscribe(InvalidationBus& bus,
                 std::function<std::optional<K>(std::string_view)> parse_key = {});

  [[nodiscard]] Local& local() noexcept { return core_->local; }
  [[nodiscard]] CacheMetrics& metrics() noexcept { return core_->local.metrics(); }
  [[nodiscard]] std::size_t loads_in_flight() { return core_->flights.in_flight(); }

 private:
  struct Core {
    Core(CacheSettings settings, const Clock& clock, MetricSink* sink, Weigher weigher,
         RandomSource* random)
        : local(std::move(settings), clock, sink, std::move(weigher)), random(random) {}
    void Apply(const InvalidationEvent& event,
               const std::function<std::optional<K>(std::string_view)>& parse_key);
    Local local;
    SingleFlight<K, V, Hash> flights;
    SplitMixRandom own_random;
    RandomSource* random;
  };

  template <typename F>
  boost::asio::awaitable<Result<V>> Lookup(K key, F& loader, const GetOptions& options);
  template <typename F>
  void SpawnLoad(const boost::asio::any_io_executor& ex, const K& key,
                 std::shared_ptr<Flight<V>> flight, F& loader, const GetOptions& options);
  template <typename F>
  static boost::asio::awaitable<void> RunLoad(std::shared_ptr<Core> core, K key,
                                              std::shared_ptr<Flight<V>> flight, F loader,
                                              EntryOptions entry, LoadStamp stamp);
  template <typename F>
  static boost::asio::awaitable<Result<Loaded<V>>> CallLoader(F& loader, Deadline deadline);
  static Result<V> StoreOutcome(Core& core, const K& key, Result<Loaded<V>> loaded,
                                EntryOptions entry, const LoadStamp& stamp, bool forgotten);

  std::shared_ptr<Core> core_;
  InvalidationBus* bus_ = nullptr;
  std::uint64_t subscription_ = 0;
};

}  // namespace keel::cache

#include "keel/cache/detail/cache_impl.hpp"  // IWYU pragma: export
