#include "keel/cache/http/cache_control.hpp"

#include <charconv>

#include "keel/http/headers.hpp"

namespace keel::cache::http {
namespace {

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<std::chrono::seconds> Seconds(std::string_view v) noexcept {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    v = v.substr(1, v.size() - 2);
  }
  long long n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < 0) {
    return std::nullopt;
  }
  return std::chrono::seconds(n);
}

// Calls f(token) for each comma-separated, trimmed, non-empty element of a list field.
template <typename F>
void ForEachListElement(std::string_view list, F&& f) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view element = Trim(list.substr(0, comma));
    if (!element.empty()) {
      f(element);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

CacheControl ParseCacheControl(std::string_view value) noexcept {
  using keel::http::EqualsIgnoreCase;
  CacheControl cc;
  // A quoted field list (private="a, b") contains commas; the parts after the first are then
  // parsed as unknown directives and ignored, which is harmless.
  ForEachListElement(value, [&](std::string_view directive) {
    const std::size_t eq = directive.find('=');
    const std::string_view name = Trim(directive.substr(0, eq));
    const std::string_view arg = eq == std::string_view::npos ? "" : Trim(directive.substr(eq + 1));
    if (EqualsIgnoreCase(name, "no-store")) {
      cc.no_store = true;
    } else if (EqualsIgnoreCase(name, "no-cache")) {
      cc.no_cache = true;
    } else if (EqualsIgnoreCase(name, "private")) {
      cc.is_private = true;
    } else if (EqualsIgnoreCase(name, "max-age")) {
      cc.max_age = Seconds(arg);
    } else if (EqualsIgnoreCase(name, "s-maxage")) {
      cc.s_maxage = Seconds(arg);
    } else if (EqualsIgnoreCase(name, "stale-while-revalidate")) {
      cc.stale_while_revalidate = Seconds(arg);
    } else if (EqualsIgnoreCase(name, "stale-if-error")) {
      cc.stale_if_error = Seconds(arg);
    }
  });
  return cc;
}

bool ETagMatches(std::string_view if_none_match, std::string_view etag) noexcept {
  if (etag.empty()) {
    return false;
  }
  auto opaque = [](std::string_view tag) {
    return tag.size() > 2 && tag.substr(0, 2) == "W/" ? tag.substr(2) : tag;
  };
  bool match = false;
  ForEachListElement(if_none_match, [&](std::string_view tag) {
    match = match || tag == "*" || opaque(tag) == opaque(etag);
  });
  return match;
}

}  // namespace keel::cache::http
