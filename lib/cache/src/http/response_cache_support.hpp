// Helpers of ResponseCache: what is cacheable, how a stored response is served.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "keel/cache/http/response_cache.hpp"

namespace keel::cache::http::detail {

// Bytes an entry holds (the store's weigher).
[[nodiscard]] std::uint32_t ResponseWeight(const std::string& key, const CachedResponse& r);

// Entry options (TTL, stale windows, tags) when `response` may be stored; nullopt otherwise.
[[nodiscard]] std::optional<EntryOptions> StorageOptions(const keel::http::Response& response,
                                                         const ResponseCacheSettings& settings);
[[nodiscard]] CachedResponse ToCached(const keel::http::Response& response,
                                      const ResponseCacheSettings& settings, TimePoint now);

// Removes If-None-Match / If-Modified-Since; returns the If-None-Match value (a view into the
// request's buffer) so the 304 can still be derived.
std::optional<std::string_view> RemoveConditionalHeaders(keel::http::Request& request);

// A stored response as an answer to `if_none_match` (304 when its ETag matches), with Age and
// X-Cache.
[[nodiscard]] keel::http::Response Serve(const CachedResponse& cached,
                                         std::optional<std::string_view> if_none_match,
                                         TimePoint now, std::string_view x_cache);
// A freshly rendered response made ready to send: the tags header stripped, X-Cache added, and a
// 304 derived when its ETag matches `if_none_match`.
[[nodiscard]] keel::http::Response Finalize(keel::http::Response response,
                                            const ResponseCacheSettings& settings,
                                            std::optional<std::string_view> if_none_match,
                                            std::string_view x_cache);

}  // namespace keel::cache::http::detail
