// keel/cache/detail/cache_impl.hpp — template definitions of keel/cache/cache.hpp.
//
// Include <keel/cache/cache.hpp> instead. The state shared with running loads (local store,
// flights, random source) lives in a Core held by shared_ptr: a load spawned in the background
// keeps it alive even if the Cache object goes first.
#pragma once

#include "keel/cache/cache.hpp"

namespace keel::cache {

namespace detail {
// Errors a stale value may stand in for (RFC 5861 stale-if-error: what would be a 5xx).
[[nodiscard]] inline bool ServesStaleOn(ErrorCode code) noexcept {
  return code != ErrorCode::kCancelled && ErrorHttpStatus(code) >= 500;
}

template <typename K>
std::optional<K> ParseKeyText(std::string_view text) {
  if constexpr (std::is_integral_v<K>) {
    K value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return std::nullopt;
    }
    return value;
  } else if constexpr (std::is_constructible_v<K, std::string_view>) {
    return K(text);
  } else {
    return std::nullopt;
  }
}

template <typename V>
Result<Loaded<V>> ToLoaded(Result<V> r) {
  if (!r.ok()) {
    return std::move(r).error();
  }
  return Loaded<V>{std::move(r).value(), {}};
}
template <typename V>
Result<Loaded<V>> ToLoaded(Result<Loaded<V>> r) {
  return r;
}
}  // namespace detail

template <typename K, typename V, typename Hash>
Cache<K, V, Hash>::Cache(CacheSettings settings, const Clock& clock, MetricSink* sink,
                         Weigher weigher, RandomSource* random)
    : core_(std::make_shared<Core>(std::move(settings), clock, sink, std::move(weigher), random)) {
  if (core_->random == nullptr) {
    core_->random = &core_->own_random;
  }
}

template <typename K, typename V, typename Hash>
Cache<K, V, Hash>::~Cache() {
  if (bus_ != nullptr) {
    bus_->Unsubscribe(subscription_);
  }
}

template <typename K, typename V, typename Hash>
template <typename F>
boost::asio::awaitable<Result<V>> Cache<K, V, Hash>::Get(K key, F loader, GetOptions options) {
  const auto started = std::chrono::steady_clock::now();
  Result<V> result = co_await Lookup(std::move(key), loader, options);
  if (options.stages != nullptr) {
    options.stages->Add(Stage::kCache, std::chrono::steady_clock::now() - started);
  }
  co_return result;
}

template <typename K, typename V, typename Hash>
template <typename F>
boost::asio::awaitable<Result<V>> Cache<K, V, Hash>::Lookup(K key, F& loader,
                                                            const GetOptions& options) {
  Core& core = *core_;
  CacheMetrics& m = core.local.metrics();
  CacheStatus ignored = CacheStatus::kNone;
  CacheStatus& status = options.status != nullptr ? *options.status : ignored;
  std::optional<Cached<V>> found = core.local.Lookup(key);
  if (found && found->freshness == Freshness::kFresh) {
    if (found->negative()) {
      m.negative_hits->Add();
      status = CacheStatus::kNegativeHit;
      co_return found->error;
    }
    m.hits->Add();
    status = CacheStatus::kHit;
    const CacheSettings& s = core.local.settings();
    if (s.xfetch_beta > 0 &&
        XFetchShouldRefresh(core.local.clock().Now(), found->fresh_until, found->load_time,
                            s.xfetch_beta, core.random->NextUnit())) {
      auto joined = core.flights.Join(key);
      if (joined.leader) {
        SpawnLoad(co_await boost::asio::this_coro::executor, key, joined.flight, loader, options);
      }
    }
    co_return std::move(*found->value);
  }
  if (found && found->freshness == Freshness::kStale && !found->negative()) {
    m.stale_served->Add();
    status = CacheStatus::kStale;
    auto joined = core.flights.Join(key);
    if (joined.leader) {
      SpawnLoad(co_await boost::asio::this_coro::executor, key, joined.flight, loader, options);
    }
    co_return std::move(*found->value);
  }

  m.misses->Add();
  status = CacheStatus::kMiss;
  auto joined = core.flights.Join(key);
  if (joined.leader) {
    SpawnLoad(co_await boost::asio::this_coro::executor, key, joined.flight, loader, options);
  } else {
    m.coalesced->Add();
  }
  Result<V> result = co_await joined.flight->Wait(options.deadline);
  if (!result.ok() && found && !found->negative() && detail::ServesStaleOn(result.error().code()) &&
      core.local.clock().Now() < found->error_until) {
    m.stale_served->Add();
    status = CacheStatus::kStale;
    co_return std::move(*found->value);
  }
  co_return result;
}

template <typename K, typename V, typename Hash>
template <typename F>
void Cache<K, V, Hash>::SpawnLoad(const boost::asio::any_io_executor& ex, const K& key,
                                  std::shared_ptr<Flight<V>> flight, F& loader,
                                  const GetOptions& options) {
  core_->local.metrics().loads->Add();
  EntryOptions entry = options.entry != nullptr ? *options.entry : EntryOptions{};
  const LoadStamp stamp = core_->local.BeginLoad(entry.ns);
  boost::asio::co_spawn(
      ex, RunLoad(core_, key, std::move(flight), std::move(loader), std::move(entry), stamp),
      boost::asio::detached);
}

template <typename K, typename V, typename Hash>
template <typename F>
boost::asio::awaitable<Result<Loaded<V>>> Cache<K, V, Hash>::CallLoader(F& loader,
                                                                        Deadline deadline) {
  // Caught here: the loader is user code, and its exception must reach every waiter as an error
  // value at once, not escape the detached load coroutine.
  try {
    if constexpr (std::is_invocable_v<F&, Deadline>) {
      co_return detail::ToLoaded<V>(co_await loader(deadline));
    } else {
      co_return detail::ToLoaded<V>(co_await loader());
    }
  } catch (const std::exception& e) {
    co_return Error(ErrorCode::kInternal, std::string("cache loader threw: ") + e.what());
  } catch (...) {
    co_return Error(ErrorCode::kInternal, "cache loader threw");
  }
}

template <typename K, typename V, typename Hash>
template <typename F>
boost::asio::awaitable<void> Cache<K, V, Hash>::RunLoad(std::shared_ptr<Core> core, K key,
                                                        std::shared_ptr<Flight<V>> flight, F loader,
                                                        EntryOptions entry, LoadStamp stamp) {
  const Clock& clock = core->local.clock();
  const TimePoint started = clock.Now();
  const Deadline deadline = Deadline::After(core->local.settings().load_timeout);
  auto raced = co_await WithDeadline(deadline, CallLoader(loader, deadline));
  Result<Loaded<V>> loaded =
      raced.ok() ? std::move(raced).value() : Result<Loaded<V>>(std::move(raced).error());
  entry.load_time = clock.Now() - started;
  Result<V> outcome =
      StoreOutcome(*core, key, std::move(loaded), std::move(entry), stamp, flight->forgotten());
  core->flights.Finish(key, flight, std::move(outcome));
}

template <typename K, typename V, typename Hash>
Result<V> Cache<K, V, Hash>::StoreOutcome(Core& core, const K& key, Result<Loaded<V>> loaded,
                                          EntryOptions entry, const LoadStamp& stamp,
                                          bool forgotten) {
  if (!loaded.ok()) {
    Error error = std::move(loaded).error();
    if (error.code() != ErrorCode::kNotFound) {
      core.local.metrics().load_errors->Add();
    } else if (!forgotten) {
      core.local.PutLoaded(key, std::nullopt, error, entry, stamp);
    }
    return error;
  }
  Loaded<V>& l = loaded.value();
  const EntryOptions& o = l.options;
  entry.tags.insert(entry.tags.end(), o.tags.begin(), o.tags.end());
  entry.ttl = o.ttl ? o.ttl : entry.ttl;
  entry.stale_while_revalidate =
      o.stale_while_revalidate ? o.stale_while_revalidate : entry.stale_while_revalidate;
  entry.stale_if_error = o.stale_if_error ? o.stale_if_error : entry.stale_if_error;
  entry.version = o.version != 0 ? o.version : entry.version;
  if (!forgotten) {
    core.local.PutLoaded(key, l.value, Error(), entry, stamp);
  }
  return std::move(l.value);
}

template <typename K, typename V, typename Hash>
bool Cache<K, V, Hash>::Invalidate(const K& key) {
  const bool removed = core_->local.Invalidate(key);
  return core_->flights.Forget(key) || removed;
}

template <typename K, typename V, typename Hash>
std::size_t Cache<K, V, Hash>::InvalidateTag(std::string_view tag) {
  // A running load's tags are unknown until it returns: detach them all, so nobody joins a load
  // that may have read before this write (reads-your-writes); the log keeps them from storing.
  const std::size_t removed = core_->local.InvalidateTag(tag);
  core_->flights.ForgetAll();
  return removed;
}

template <typename K, typename V, typename Hash>
void Cache<K, V, Hash>::BumpNamespace(std::string_view ns) {
  core_->local.BumpNamespace(ns);
  core_->flights.ForgetAll();
}

template <typename K, typename V, typename Hash>
void Cache<K, V, Hash>::Clear() {
  core_->local.Clear();
  core_->flights.ForgetAll();
}

template <typename K, typename V, typename Hash>
void Cache<K, V, Hash>::Core::Apply(
    const InvalidationEvent& event,
    const std::function<std::optional<K>(std::string_view)>& parse_key) {
  switch (event.kind) {
    case InvalidationKind::kKey:
      if (auto key = parse_key ? parse_key(event.target) : detail::ParseKeyText<K>(event.target)) {
        local.Invalidate(*key);
        flights.Forget(*key);
      }
      break;
    case InvalidationKind::kTag:
      local.InvalidateTag(event.target);
      flights.ForgetAll();
      break;
    case InvalidationKind::kNamespace:
      local.BumpNamespace(event.target);
      flights.ForgetAll();
      break;
    case InvalidationKind::kAll:
      local.Clear();
      flights.ForgetAll();
      break;
  }
}

template <typename K, typename V, typename Hash>
void Cache<K, V, Hash>::Subscribe(InvalidationBus& bus,
                                  std::function<std::optional<K>(std::string_view)> parse_key) {
  std::weak_ptr<Core> weak = core_;
  subscription_ =
      bus.Subscribe([weak, parse_key = std::move(parse_key)](const InvalidationEvent& e) {
        auto core = weak.lock();
        if (core && (e.cache.empty() || e.cache == core->local.settings().name)) {
          core->Apply(e, parse_key);
        }
      });
  bus_ = &bus;
}

}  // namespace keel::cache
