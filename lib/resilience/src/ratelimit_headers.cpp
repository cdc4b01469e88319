#include "keel/resilience/ratelimit_headers.hpp"

#include <algorithm>

namespace keel::resilience {

namespace {
// RFC 8941 §4.1.6: a String is DQUOTE, printable ASCII with '"' and '\' escaped, DQUOTE.
void AppendSfString(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
}

void BeginMember(std::string& out) {
  if (!out.empty()) {
    out += ", ";
  }
}
}  // namespace

bool IsValidPolicyName(std::string_view name) noexcept {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

void AppendRateLimitPolicy(std::string& out, std::string_view name, const RateQuota& quota) {
  BeginMember(out);
  AppendSfString(out, name);
  out += ";q=";
  out += std::to_string(quota.count);
  out += ";w=";
  out += std::to_string(std::max<std::int64_t>(1, CeilSeconds(quota.period)));
}

void AppendRateLimit(std::string& out, std::string_view name, const RateDecision& decision) {
  BeginMember(out);
  AppendSfString(out, name);
  out += ";r=";
  out += std::to_string(decision.remaining);
  out += ";t=";
  const Duration t =
      !decision.allowed && !decision.retry_after ? decision.reset_after : decision.next_unit;
  out += std::to_string(CeilSeconds(t));
}

}  // namespace keel::resilience
