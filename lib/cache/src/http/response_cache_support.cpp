#include "response_cache_support.hpp"

#include <algorithm>
#include <chrono>

#include "keel/cache/http/cache_control.hpp"

namespace keel::cache::http::detail {
namespace {

using keel::http::EqualsIgnoreCase;
using keel::http::Response;

// Fields a 304 repeats from the full response (RFC 9110 §15.4.5).
constexpr std::string_view kNotModifiedFields[] = {
    "cache-control", "etag", "expires", "vary", "content-location", "last-modified"};

bool IsNotModifiedField(std::string_view name) {
  return std::any_of(std::begin(kNotModifiedFields), std::end(kNotModifiedFields),
                     [&](std::string_view f) { return EqualsIgnoreCase(f, name); });
}

// Every header named in Vary must be one the key includes; "*" never is.
bool VaryCovered(std::string_view vary, const ResponseCacheSettings& settings) {
  while (!vary.empty()) {
    const std::size_t comma = vary.find(',');
    std::string_view name = vary.substr(0, comma);
    vary.remove_prefix(comma == std::string_view::npos ? vary.size() : comma + 1);
    while (!name.empty() && name.front() == ' ') {
      name.remove_prefix(1);
    }
    while (!name.empty() && name.back() == ' ') {
      name.remove_suffix(1);
    }
    if (name.empty()) {
      continue;
    }
    if (std::none_of(settings.vary.begin(), settings.vary.end(),
                     [&](const std::string& v) { return EqualsIgnoreCase(v, name); })) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> ParseTags(const std::string* header) {
  std::vector<std::string> tags;
  if (header == nullptr) {
    return tags;
  }
  std::string current;
  for (const char c : *header) {
    if (c == ' ' || c == ',' || c == '\t') {
      if (!current.empty()) {
        tags.push_back(std::move(current));
        current.clear();
      }
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) {
    tags.push_back(std::move(current));
  }
  return tags;
}

Response NotModified(const std::vector<std::pair<std::string, std::string>>& headers) {
  Response r(304);
  for (const auto& [name, value] : headers) {
    if (IsNotModifiedField(name)) {
      r.AddHeader(name, value);
    }
  }
  return r;
}

}  // namespace

std::uint32_t ResponseWeight(const std::string& key, const CachedResponse& r) {
  std::size_t bytes = sizeof(CachedResponse) + key.size() + r.body.size() + r.etag.size();
  for (const auto& [name, value] : r.headers) {
    bytes += name.size() + value.size() + 2 * sizeof(std::string);
  }
  return static_cast<std::uint32_t>(std::min<std::size_t>(bytes, UINT32_MAX));
}

std::optional<EntryOptions> StorageOptions(const Response& response,
                                           const ResponseCacheSettings& settings) {
  const std::string* cc_field = response.FindHeader("Cache-Control");
  const CacheControl cc = cc_field != nullptr ? ParseCacheControl(*cc_field) : CacheControl{};
  if (cc.no_store || cc.is_private || cc.no_cache || response.FindHeader("Set-Cookie")) {
    return std::nullopt;
  }
  if (const std::string* vary = response.FindHeader("Vary");
      vary && !VaryCovered(*vary, settings)) {
    return std::nullopt;
  }
  EntryOptions options;
  if (response.status() == 200) {
    const auto age = cc.s_maxage ? cc.s_maxage : cc.max_age;
    if (!age || *age <= std::chrono::seconds::zero()) {
      return std::nullopt;
    }
    options.ttl = *age;
    options.stale_while_revalidate = cc.stale_while_revalidate;
    options.stale_if_error = cc.stale_if_error;
  } else if (response.status() == 404) {
    options.ttl = settings.cache.negative_ttl;
    options.stale_while_revalidate = Duration::zero();
    options.stale_if_error = Duration::zero();
  } else {
    return std::nullopt;
  }
  options.tags = ParseTags(response.FindHeader(settings.tags_header));
  return options;
}

CachedResponse ToCached(const Response& response, const ResponseCacheSettings& settings,
                        TimePoint now) {
  CachedResponse cached{.status = response.status(), .body = response.body(), .stored_at = now};
  for (const auto& [name, value] : response.headers()) {
    if (!EqualsIgnoreCase(name, settings.tags_header)) {
      cached.headers.emplace_back(name, value);
    }
  }
  if (const std::string* etag = response.FindHeader("ETag")) {
    cached.etag = *etag;
  }
  return cached;
}

std::optional<std::string_view> RemoveConditionalHeaders(keel::http::Request& request) {
  std::optional<std::string_view> if_none_match = request.Header("if-none-match");
  if (!if_none_match && !request.Header("if-modified-since")) {
    return if_none_match;
  }
  keel::http::Headers kept;
  for (const auto& field : request.headers()) {
    if (!EqualsIgnoreCase(field.name, "if-none-match") &&
        !EqualsIgnoreCase(field.name, "if-modified-since")) {
      kept.Add(field.name, field.value);
    }
  }
  request.mutable_headers() = std::move(kept);
  return if_none_match;
}

Response Serve(const CachedResponse& cached, std::optional<std::string_view> if_none_match,
               TimePoint now, std::string_view x_cache) {
  Response r;
  if (cached.status == 200 && if_none_match && ETagMatches(*if_none_match, cached.etag)) {
    r = NotModified(cached.headers);
  } else {
    r.set_status(cached.status);
    for (const auto& [name, value] : cached.headers) {
      r.AddHeader(name, value);
    }
    r.set_body(cached.body);
  }
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - cached.stored_at);
  r.SetHeader("Age", std::to_string(std::max<std::int64_t>(0, age.count())));
  r.SetHeader("X-Cache", x_cache);
  return r;
}

Response Finalize(Response response, const ResponseCacheSettings& settings,
                  std::optional<std::string_view> if_none_match, std::string_view x_cache) {
  const std::string* etag = response.FindHeader("ETag");
  const bool not_modified = response.status() == 200 && etag != nullptr && if_none_match &&
                            ETagMatches(*if_none_match, *etag);
  const bool tagged = response.FindHeader(settings.tags_header) != nullptr;
  if (not_modified || tagged) {
    Response out = not_modified ? NotModified(response.headers()) : Response(response.status());
    if (!not_modified) {
      for (const auto& [name, value] : response.headers()) {
        if (!EqualsIgnoreCase(name, settings.tags_header)) {
          out.AddHeader(name, value);
        }
      }
      out.set_body(std::move(response.mutable_body()));
    }
    out.set_close(response.close());
    response = std::move(out);
  }
  response.SetHeader("X-Cache", x_cache);
  return response;
}

}  // namespace keel::cache::http::detail
