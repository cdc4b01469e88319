#include "keel/cache/http/response_cache.hpp"

#include <algorithm>

#include "keel/cache/http/cache_control.hpp"
#include "keel/cache/xfetch.hpp"
#include "response_cache_support.hpp"

namespace keel::cache::http {

using keel::http::Next;
using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;

// The cache's side of one handler run: completes the flight on every path, including the
// request's coroutine being destroyed (cancellation), so waiters never hang on it.
struct ResponseCache::Render {
  SingleFlight<std::string, Entry>& flights;
  const std::string& key;
  std::shared_ptr<Flight<Entry>> flight;
  bool finished = false;

  void Finish(Result<Entry> outcome) {
    finished = true;
    flights.Finish(key, flight, std::move(outcome));
  }
  ~Render() {
    if (!finished) {
      flights.Finish(key, flight, Error(ErrorCode::kCancelled, "response render abandoned"));
    }
  }
};

ResponseCache::ResponseCache(ResponseCacheSettings settings, const Clock& clock, MetricSink* sink)
    : settings_(std::move(settings)),
      store_(settings_.cache, clock, sink, [](const std::string& key, const Entry& e) {
        return detail::ResponseWeight(key, *e);
      }) {}

ResponseCache::~ResponseCache() {
  if (bus_ != nullptr) {
    bus_->Unsubscribe(subscription_);
  }
}

boost::asio::awaitable<Response> ResponseCache::Handle(Request& request, RequestContext& context,
                                                       Next next) {
  auto key = ResponseCacheKey(request, settings_);
  if (!key) {
    co_return co_await next(request, context);
  }
  const auto started = std::chrono::steady_clock::now();
  auto found = store_.Lookup(*key);
  const TimePoint now = store_.clock().Now();
  std::shared_ptr<Flight<Entry>> lead;  // set when this request refreshes the entry
  if (found && found->freshness != Freshness::kErrorOnly) {
    const bool fresh = found->freshness == Freshness::kFresh;
    const bool early =
        fresh && XFetchShouldRefresh(now, found->fresh_until, found->load_time,
                                     settings_.cache.xfetch_beta, random_.NextUnit());
    if (!fresh || early) {
      auto joined = flights_.Join(*key);
      lead = joined.leader ? joined.flight : nullptr;
    }
    if (!lead) {
      CacheMetrics& m = store_.metrics();
      (fresh ? ((*found->value)->status == 404 ? m.negative_hits : m.hits) : m.stale_served)->Add();
      context.stages().Add(Stage::kCache, std::chrono::steady_clock::now() - started);
      co_return detail::Serve(**found->value, request.Header("if-none-match"), now,
                              fresh ? "hit" : "stale");
    }
  }
  context.stages().Add(Stage::kCache, std::chrono::steady_clock::now() - started);
  if (lead) {
    co_return co_await Refresh(request, context, next, *key, std::move(lead), found);
  }
  co_return co_await Miss(request, context, next, *key, found);
}

boost::asio::awaitable<Response> ResponseCache::Miss(Request& request, RequestContext& context,
                                                     Next next, const std::string& key,
                                                     const std::optional<Cached<Entry>>& stale) {
  CacheMetrics& m = store_.metrics();
  m.misses->Add();
  auto joined = flights_.Join(key);
  if (joined.leader) {
    co_return co_await Refresh(request, context, next, key, std::move(joined.flight), stale);
  }
  m.coalesced->Add();
  const auto started = std::chrono::steady_clock::now();
  Result<Entry> shared =
      co_await joined.flight->Wait(context.deadline().TightenBy(settings_.lock_timeout));
  context.stages().Add(Stage::kCache, std::chrono::steady_clock::now() - started);
  if (shared.ok() && *shared) {
    co_return detail::Serve(**shared, request.Header("if-none-match"), store_.clock().Now(), "hit");
  }
  // The leader's response was not cacheable, or it is taking too long: render our own.
  Response response = co_await next(request, context);
  co_return detail::Finalize(std::move(response), settings_, request.Header("if-none-match"),
                             "miss");
}

boost::asio::awaitable<Response> ResponseCache::Refresh(Request& request, RequestContext& context,
                                                        Next next, const std::string& key,
                                                        std::shared_ptr<Flight<Entry>> flight,
                                                        const std::optional<Cached<Entry>>& stale) {
  Render render{flights_, key, std::move(flight)};
  CacheMetrics& m = store_.metrics();
  m.loads->Add();
  // The handler must produce the full 200 to be stored; the 304 is derived from its ETag below.
  const std::optional<std::string_view> if_none_match = detail::RemoveConditionalHeaders(request);
  const TimePoint started = store_.clock().Now();
  Response response = co_await next(request, context);
  const TimePoint now = store_.clock().Now();
  if (response.status() >= 500) {
    m.load_errors->Add();
    if (stale && stale->value && now < stale->error_until) {
      render.Finish(Error(ErrorCode::kUnavailable, "handler failed; stale served"));
      m.stale_served->Add();
      co_return detail::Serve(**stale->value, if_none_match, now, "stale");
    }
  }
  Entry entry;
  if (request.method_text() == "GET") {
    entry = StoreIfCacheable(key, response, now - started);
  }
  if (entry) {
    render.Finish(entry);
  } else {
    render.Finish(Error(ErrorCode::kUnavailable, "response not cacheable"));
  }
  co_return detail::Finalize(std::move(response), settings_, if_none_match, "miss");
}

ResponseCache::Entry ResponseCache::StoreIfCacheable(const std::string& key, Response& response,
                                                     Duration load_time) {
  std::optional<EntryOptions> options = detail::StorageOptions(response, settings_);
  if (!options) {
    return nullptr;
  }
  options->load_time = load_time;
  auto entry =
      std::make_shared<CachedResponse>(detail::ToCached(response, settings_, store_.clock().Now()));
  store_.Put(key, entry, *options);
  return entry;
}

std::size_t ResponseCache::InvalidateTag(std::string_view tag) {
  const std::size_t removed = store_.InvalidateTag(tag);
  flights_.ForgetAll();
  return removed;
}

bool ResponseCache::InvalidateKey(const std::string& key) {
  flights_.Forget(key);
  return store_.Invalidate(key);
}

void ResponseCache::Clear() {
  store_.Clear();
  flights_.ForgetAll();
}

void ResponseCache::Subscribe(InvalidationBus& bus) {
  subscription_ = bus.Subscribe([this](const InvalidationEvent& e) {
    if (!e.cache.empty() && e.cache != settings_.cache.name) {
      return;
    }
    switch (e.kind) {
      case InvalidationKind::kTag:
        InvalidateTag(e.target);
        break;
      case InvalidationKind::kKey:
        InvalidateKey(e.target);
        break;
      case InvalidationKind::kNamespace:
      case InvalidationKind::kAll:
        Clear();
        break;
    }
  });
  bus_ = &bus;
}

}  // namespace keel::cache::http
