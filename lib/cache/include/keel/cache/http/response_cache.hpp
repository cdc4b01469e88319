// keel/cache/http/response_cache.hpp — caches whole responses of public GET routes.
//
// A route middleware (the thin HTTP face of LocalCache + SingleFlight). The key is the
// normalised path (percent-decoded per segment, dot-segments resolved, empty segments dropped,
// re-encoded canonically) + the whitelisted query parameters sorted by name and value + the
// values of the configured request headers the responses vary on. What is stored and for how
// long comes from the handler's response:
//   - 200 with Cache-Control s-maxage (preferred) or max-age > 0: cached for that long, its
//     stale-while-revalidate / stale-if-error directives as the stale windows;
//   - 404 (not private/no-store): cached for the negative TTL (settings.cache.negative_ttl);
//   - never: private, no-store, no-cache, Set-Cookie, Vary: * or Vary naming a header not in the
//     configured list, any other status.
// The app tags a response through a header (default X-Cache-Tags: "product:42 list:products",
// space or comma separated), which is stripped before sending; InvalidateTag drops every page
// carrying the tag. Each answer has X-Cache: hit | miss | stale (none when the request bypassed
// the cache: not GET/HEAD, a bypass header such as Authorization, an unlisted query parameter).
// ETag is kept: a cached 200 answers a matching If-None-Match with 304 itself; on a miss the
// conditional headers are removed before the handler runs (so the full 200 can be stored) and
// the 304 is derived from its ETag.
// Concurrent misses of one key run the handler once; the others wait up to
// settings.lock_timeout for its response, then run the handler themselves. Stale-while-
// revalidate serves the stale page to everyone except one request, which runs the handler
// inline and refreshes the entry (a handler cannot be detached from its request, so the
// refresh cannot run in the background here). When that refresh — or any miss — yields a 5xx
// inside the stale-if-error window, the stale page is served instead.
//
//   auto cache = std::make_shared<keel::cache::http::ResponseCache>(
//       keel::cache::http::ResponseCacheSettings{
//           .cache = {.name = "http_products", .max_weight = 32 << 20},
//           .query_params = {"category", "cursor", "limit", "sort"},
//           .vary = {"accept-encoding"}},
//       clock, &sink);
//   products_group.Use(cache);                // GET routes of the group
//   ...after a write commits: cache->InvalidateTag("product:42");
//
// Thread safety: one instance may serve every I/O thread; all members from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/cache/invalidation_bus.hpp"
#include "keel/cache/local_cache.hpp"
#include "keel/cache/random.hpp"
#include "keel/cache/single_flight.hpp"
#include "keel/http/handler.hpp"

namespace keel::cache::http {

struct ResponseCacheSettings {
  // The store: weight is bytes (body + headers); ttl is unused (the response decides).
  CacheSettings cache{.name = "http", .max_weight = 64u << 20};
  std::vector<std::string> query_params;  // names that are part of the key
  bool bypass_unknown_query = true;       // another query parameter present: do not cache
  std::vector<std::string> vary;          // request header names that are part of the key
  std::string tags_header = "X-Cache-Tags";
  // Requests carrying any of these are personal: never served from or stored in the cache.
  std::vector<std::string> bypass_request_headers = {"authorization", "cookie"};
  // How long a concurrent miss waits for the response being rendered for the same key.
  Duration lock_timeout = std::chrono::milliseconds(500);
};

// A stored response.
struct CachedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string etag;  // empty: none
  TimePoint stored_at;
};

// The cache key of a request, or nullopt when the request must bypass the cache.
[[nodiscard]] std::optional<std::string> ResponseCacheKey(const keel::http::Request& request,
                                                          const ResponseCacheSettings& settings);

class ResponseCache final : public keel::http::Middleware {
 public:
  using Store = LocalCache<std::string, std::shared_ptr<const CachedResponse>>;

  // `clock` and `sink` (may be null) must outlive the middleware.
  ResponseCache(ResponseCacheSettings settings, const Clock& clock, MetricSink* sink);

  boost::asio::awaitable<keel::http::Response> Handle(keel::http::Request& request,
                                                      keel::http::RequestContext& context,
                                                      keel::http::Next next) override;

  std::size_t InvalidateTag(std::string_view tag);
  bool InvalidateKey(const std::string& key);
  void Clear();
  // Applies the bus's kTag / kAll events addressed to settings.cache.name (or to all caches).
  void Subscribe(InvalidationBus& bus);
  ~ResponseCache() override;

  [[nodiscard]] Store& store() noexcept { return store_; }

 private:
  using Entry = std::shared_ptr<const CachedResponse>;
  struct Render;  // one handler run on behalf of the cache
  boost::asio::awaitable<keel::http::Response> Miss(keel::http::Request& request,
                                                    keel::http::RequestContext& context,
                                                    keel::http::Next next, const std::string& key,
                                                    const std::optional<Cached<Entry>>& stale);
  boost::asio::awaitable<keel::http::Response> Refresh(keel::http::Request& request,
                                                       keel::http::RequestContext& context,
                                                       keel::http::Next next,
                                                       const std::string& key,
                                                       std::shared_ptr<Flight<Entry>> flight,
                                                       const std::optional<Cached<Entry>>& stale);
  // Stores `response` when cacheable; returns the entry (null when not cacheable).
  Entry StoreIfCacheable(const std::string& key, keel::http::Response& response,
                         Duration load_time);

  ResponseCacheSettings settings_;
  Store store_;
  SingleFlight<std::string, Entry> flights_;
  SplitMixRandom random_;  // XFetch draws
  InvalidationBus* bus_ = nullptr;
  std::uint64_t subscription_ = 0;
};

}  // namespace keel::cache::http
