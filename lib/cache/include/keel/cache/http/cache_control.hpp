// keel/cache/http/cache_control.hpp — the parts of HTTP caching the response cache needs.
//
//   auto cc = keel::cache::http::ParseCacheControl("public, max-age=60, stale-if-error=300");
//   cc.max_age == 60s;  cc.stale_if_error == 300s
//   ETagMatches(R"(W/"p42-v3", "x")", R"("p42-v3")") == true   // If-None-Match: weak comparison
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace keel::cache::http {

struct CacheControl {
  bool no_store = false;
  bool no_cache = false;
  bool is_private = false;
  std::optional<std::chrono::seconds> max_age;
  std::optional<std::chrono::seconds> s_maxage;
  std::optional<std::chrono::seconds> stale_while_revalidate;
  std::optional<std::chrono::seconds> stale_if_error;
};

// RFC 9111 §5.2 directives, case-insensitive; unknown directives and malformed numbers ignored.
// `private="Set-Cookie"` and `no-cache="..."` (field-qualified forms) count as the plain ones.
[[nodiscard]] CacheControl ParseCacheControl(std::string_view value) noexcept;

// Whether an If-None-Match field value matches `etag` (RFC 9110 §13.1.2: "*" or any listed
// entity-tag equal to it under weak comparison).
[[nodiscard]] bool ETagMatches(std::string_view if_none_match, std::string_view etag) noexcept;

}  // namespace keel::cache::http
