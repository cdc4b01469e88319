#include "keel/resilience/client_ip.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace keel::resilience {

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

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

bool AllDigits(std::string_view s) noexcept {
  return !s.empty() && s.size() <= 5 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The last kKeep entries of the chain. The walk goes right to left and stops at the first
// untrusted hop, so entries further left never matter unless that many proxies are trusted.
class Chain {
 public:
  static constexpr std::size_t kKeep = 32;
  void Push(std::string_view entry) noexcept { items_[count_++ % kKeep] = entry; }
  [[nodiscard]] std::size_t size() const noexcept { return std::min(count_, kKeep); }
  // i = 0 is the rightmost entry.
  [[nodiscard]] std::string_view FromRight(std::size_t i) const noexcept {
    return items_[(count_ - 1 - i) % kKeep];
  }

 private:
  std::array<std::string_view, kKeep> items_{};
  std::size_t count_ = 0;
};

// Splits `s` at every `sep`. Quotes are deliberately not honoured: no valid node value contains
// a comma or semicolon, and a client-sent unbalanced quote must not swallow the entries the
// proxies appended after it.
template <typename F>
void Split(std::string_view s, char sep, F&& each) {
  for (;;) {
    const auto at = s.find(sep);
    each(s.substr(0, at));
    if (at == std::string_view::npos) {
      return;
    }
    s.remove_prefix(at + 1);
  }
}

// A Forwarded element's `for` value (raw, maybe quoted); empty when it has none.
std::string_view ForwardedFor(std::string_view element) {
  std::string_view found;
  Split(element, ';', [&](std::string_view pair) {
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && EqualsIgnoreCase(Trim(pair.substr(0, eq)), "for")) {
      found = Trim(pair.substr(eq + 1));
    }
  });
  return found;
}

// One hop: "192.0.2.1", "192.0.2.1:8080", "[2001:db8::1]:4711", "\"[2001:db8::1]\"", "2001:db8::1".
std::optional<IpAddress> ParseNode(std::string_view v) noexcept {
  v = Trim(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    v = v.substr(1, v.size() - 2);
  }
  if (v.find('\\') != std::string_view::npos || v.find('"') != std::string_view::npos) {
    return std::nullopt;
  }
  if (!v.empty() && v.front() == '[') {
    const auto close = v.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    const std::string_view rest = v.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !AllDigits(rest.substr(1)))) {
      return std::nullopt;
    }
    return IpAddress::Parse(v.substr(1, close - 1));
  }
  if (std::count(v.begin(), v.end(), ':') == 1) {
    const auto colon = v.find(':');
    if (!AllDigits(v.substr(colon + 1))) {
      return std::nullopt;
    }
    v = v.substr(0, colon);
  }
  return IpAddress::Parse(v);
}

void Collect(std::span<const std::string_view> values, ForwardedHeader header, Chain& chain) {
  for (const std::string_view value : values) {
    if (header == ForwardedHeader::kXForwardedFor) {
      Split(value, ',', [&](std::string_view e) { chain.Push(e); });
    } else {
      Split(value, ',', [&](std::string_view e) { chain.Push(ForwardedFor(e)); });
    }
  }
}

}  // namespace

std::optional<ForwardedHeader> ParseForwardedHeader(std::string_view s) noexcept {
  if (EqualsIgnoreCase(s, "x-forwarded-for")) {
    return ForwardedHeader::kXForwardedFor;
  }
  if (EqualsIgnoreCase(s, "forwarded")) {
    return ForwardedHeader::kForwarded;
  }
  return std::nullopt;
}

std::string_view ForwardedHeaderName(ForwardedHeader h) noexcept {
  return h == ForwardedHeader::kForwarded ? "Forwarded" : "X-Forwarded-For";
}

std::optional<IpAddress> ClientIp(std::string_view peer,
                                  std::span<const std::string_view> header_values,
                                  const ClientIpSettings& settings) noexcept {
  auto current = IpAddress::Parse(peer);
  if (!current || !settings.trusted_proxies.Contains(*current)) {
    return current;
  }
  Chain chain;
  Collect(header_values, settings.header, chain);
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const auto hop = ParseNode(chain.FromRight(i));
    if (!hop) {
      return current;  // garbage: keep the last address a trusted hop vouched for
    }
    current = hop;
    if (!settings.trusted_proxies.Contains(*hop)) {
      return current;
    }
  }
  return current;  // every hop trusted: the leftmost one we looked at
}

}  // namespace keel::resilience
