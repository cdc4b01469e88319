#include <algorithm>
#include <utility>

#include "keel/cache/http/response_cache.hpp"

namespace keel::cache::http {
namespace {

using keel::http::EqualsIgnoreCase;

// RFC 3986 pchar minus '%': bytes that stay literal in the canonical form; every other byte is
// percent-encoded, so two spellings of one path give one key and no decoded byte can forge a
// separator of the key.
bool Literal(unsigned char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("-._~!$'()*+,;:@").find(static_cast<char>(c)) != std::string_view::npos;
}

void AppendEncoded(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (Literal(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

// Decoded, dot-resolved, non-empty segments of a raw path (nullopt on a malformed escape).
std::optional<std::vector<std::string>> PathSegments(std::string_view path) {
  std::vector<std::string> segments;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view raw = path.substr(0, slash);
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
    auto segment = keel::http::PercentDecode(raw, false);
    if (!segment) {
      return std::nullopt;
    }
    if (segment->empty() || *segment == ".") {
      continue;
    }
    if (*segment == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
      continue;
    }
    segments.push_back(std::move(*segment));
  }
  return segments;
}

// Whitelisted (name, value) pairs, sorted; nullopt when the request must bypass the cache.
std::optional<std::vector<std::pair<std::string, std::string>>> QueryPairs(
    std::string_view query, const ResponseCacheSettings& settings) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (part.empty()) {
      continue;
    }
    const std::size_t eq = part.find('=');
    auto name = keel::http::PercentDecode(part.substr(0, eq), true);
    auto value = keel::http::PercentDecode(
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
    if (!name || !value) {
      return std::nullopt;
    }
    const auto& allowed = settings.query_params;
    if (std::find(allowed.begin(), allowed.end(), *name) != allowed.end()) {
      pairs.emplace_back(std::move(*name), std::move(*value));
    } else if (settings.bypass_unknown_query) {
      return std::nullopt;
    }
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

}  // namespace

std::optional<std::string> ResponseCacheKey(const keel::http::Request& request,
                                            const ResponseCacheSettings& settings) {
  const std::string_view method = request.method_text();
  if (method != "GET" && method != "HEAD") {
    return std::nullopt;
  }
  for (const std::string& name : settings.bypass_request_headers) {
    if (request.Header(name)) {
      return std::nullopt;
    }
  }
  auto segments = PathSegments(request.path());
  auto pairs = QueryPairs(request.query(), settings);
  if (!segments || !pairs) {
    return std::nullopt;
  }
  std::string key;
  for (const std::string& segment : *segments) {
    key.push_back('/');
    AppendEncoded(key, segment);
  }
  if (segments->empty()) {
    key.push_back('/');
  }
  char separator = '?';
  for (const auto& [name, value] : *pairs) {
    key.push_back(separator);
    AppendEncoded(key, name);
    key.push_back('=');
    AppendEncoded(key, value);
    separator = '&';
  }
  for (const std::string& name : settings.vary) {
    key.push_back('\n');
    AppendEncoded(key, name);
    key.push_back(':');
    AppendEncoded(key, request.Header(name).value_or(""));
  }
  return key;
}

}  // namespace keel::cache::http
