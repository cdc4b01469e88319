#include "keel/resilience/rate_policy.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <span>

#include "keel/resilience/ratelimit_headers.hpp"

namespace keel::resilience {

namespace {

using std::chrono::seconds;

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

std::string Quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    s = Trim(s);
    if (s.empty()) {
      return out;
    }
    const auto end = s.find_first_of(" \t");
    out.push_back(s.substr(0, end));
    if (end == std::string_view::npos) {
      return out;
    }
    s.remove_prefix(end);
  }
}

std::optional<std::uint64_t> ParseCount(std::string_view s) noexcept {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return n;
}

// "s", "m", "h", "d", or a whole number of them ("10s", "5m").
std::optional<seconds> ParsePeriod(std::string_view s) noexcept {
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
    ++digits;
  }
  std::uint64_t n = 1;
  if (digits > 0) {
    auto parsed = ParseCount(s.substr(0, digits));
    if (!parsed || *parsed == 0 || *parsed > 1000000) {
      return std::nullopt;
    }
    n = *parsed;
  }
  const std::string_view unit = s.substr(digits);
  const std::int64_t scale = unit == "s"   ? 1
                             : unit == "m" ? 60
                             : unit == "h" ? 3600
                             : unit == "d" ? 86400
                                           : 0;
  if (scale == 0) {
    return std::nullopt;
  }
  return seconds(static_cast<std::int64_t>(n) * scale);
}

std::optional<RateKey> ParseKey(std::string_view s) noexcept {
  if (s == "ip") {
    return RateKey::kIp;
  }
  if (s == "api_key") {
    return RateKey::kApiKey;
  }
  if (s == "subject") {
    return RateKey::kSubject;
  }
  if (s == "global") {
    return RateKey::kGlobal;
  }
  return std::nullopt;
}

bool IsMethod(std::string_view s) noexcept {
  static constexpr std::string_view kMethods[] = {"*",   "GET",   "HEAD",   "POST",
                                                  "PUT", "PATCH", "DELETE", "OPTIONS"};
  return std::find(std::begin(kMethods), std::end(kMethods), s) != std::end(kMethods);
}

// Parses the words after "<count>/<period>": burst and (for policies) key= / name=.
Result<void> ParseOptions(std::span<const std::string_view> words, RatePolicy& p,
                          bool allow_policy_options) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i];
    std::string_view value;
    if (w == "burst" && i + 1 < words.size()) {
      value = words[++i];
      w = "burst=";
    }
    const auto eq = w.find('=');
    const std::string_view name = w.substr(0, eq);
    if (eq != std::string_view::npos && value.empty()) {
      value = w.substr(eq + 1);
    }
    if (name == "burst") {
      auto n = ParseCount(value);
      if (!n) {
        return Invalid("bad burst " + Quoted(value) + " (expected a whole number)");
      }
      p.quota.burst = *n;
    } else if (name == "key" && allow_policy_options) {
      auto k = ParseKey(value);
      if (!k) {
        return Invalid("bad key " + Quoted(value) + " (expected ip, api_key, subject or global)");
      }
      p.key = *k;
    } else if (name == "name" && allow_policy_options) {
      if (!IsValidPolicyName(value)) {
        return Invalid("bad name " + Quoted(value) + " (1-64 printable ASCII characters)");
      }
      p.name = std::string(value);
    } else {
      return Invalid("unknown option " + Quoted(w));
    }
  }
  return {};
}

Result<void> ParseQuotaWords(std::span<const std::string_view> words, RatePolicy& p,
                             bool allow_policy_options) {
  if (words.empty()) {
    return Invalid("missing quota (expected <count>/<period>, e.g. 100/s or 5/10s)");
  }
  const std::string_view rate = words[0];
  const auto slash = rate.find('/');
  const auto count = ParseCount(rate.substr(0, slash));
  if (slash == std::string_view::npos || !count || *count == 0) {
    return Invalid("bad quota " + Quoted(rate) +
                   " (expected <count>/<period> with count > 0, e.g. 100/s or 5/10s)");
  }
  const auto period = ParsePeriod(rate.substr(slash + 1));
  if (!period) {
    return Invalid("bad period " + Quoted(rate.substr(slash + 1)) + " in " + Quoted(rate) +
                   " (expected s, m, h, d or a whole number of them, e.g. 10s)");
  }
  p.quota = RateQuota{.count = *count, .period = *period, .burst = *count - 1};
  if (std::chrono::duration_cast<std::chrono::nanoseconds>(*period).count() <
      static_cast<std::int64_t>(*count)) {
    return Invalid("quota " + Quoted(rate) + " is finer than one request per nanosecond");
  }
  return ParseOptions(words.subspan(1), p, allow_policy_options);
}

Result<RatePolicy> ParseEntry(std::string_view entry) {
  const auto eq = entry.find('=');
  if (eq == std::string_view::npos) {
    return Invalid("expected [METHOD] ROUTE=QUOTA");
  }
  const auto head = Words(entry.substr(0, eq));
  RatePolicy p;
  if (head.size() == 2 && IsMethod(head[0])) {
    p.method = std::string(head[0]);
    p.route = std::string(head[1]);
  } else if (head.size() == 1) {
    p.route = std::string(head[0]);
  } else {
    return Invalid(
        "expected [METHOD] ROUTE before '=' (METHOD one of GET, HEAD, POST, PUT, "
        "PATCH, DELETE, OPTIONS, *)");
  }
  if (p.route.empty() || p.route.front() != '/') {
    return Invalid("route " + Quoted(p.route) + " must be a template starting with '/'");
  }
  const auto words = Words(entry.substr(eq + 1));
  if (auto ok = ParseQuotaWords(words, p, true); !ok) {
    return ok.error();
  }
  if (p.name.empty()) {
    p.name = p.method == "*" ? p.route : p.method + " " + p.route;
    if (!IsValidPolicyName(p.name)) {
      return Invalid("the route is too long to name the policy: add name=NAME");
    }
  }
  return p;
}

}  // namespace

std::string_view RateKeyName(RateKey k) noexcept {
  switch (k) {
    case RateKey::kIp:
      return "ip";
    case RateKey::kApiKey:
      return "api_key";
    case RateKey::kSubject:
      return "subject";
    case RateKey::kGlobal:
      return "global";
  }
  return "ip";
}

Result<RateQuota> ParseRateQuota(std::string_view text) {
  RatePolicy p;
  if (auto ok = ParseQuotaWords(Words(text), p, false); !ok) {
    return ok.error();
  }
  return p.quota;
}

Result<std::vector<RatePolicy>> ParseRatePolicies(std::string_view text) {
  std::vector<RatePolicy> out;
  int index = 0;
  while (!text.empty()) {
    const auto semi = text.find(';');
    const std::string_view entry = Trim(text.substr(0, semi));
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    if (entry.empty()) {
      continue;
    }
    ++index;
    auto p = ParseEntry(entry);
    const std::string where = "entry " + std::to_string(index) + " (" + Quoted(entry) + "): ";
    if (!p) {
      return Invalid(where + p.error().message());
    }
    for (const RatePolicy& q : out) {
      if (q.route == p->route && (q.method == p->method || q.method == "*" || p->method == "*")) {
        return Invalid(where + "a policy for this route and method is already defined");
      }
      if (q.name == p->name) {
        return Invalid(where + "the name " + Quoted(q.name) + " is already used");
      }
    }
    out.push_back(std::move(*p));
  }
  return out;
}

}  // namespace keel::resilience
