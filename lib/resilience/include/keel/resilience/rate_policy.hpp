// keel/resilience/rate_policy.hpp — rate-limit policies as written in the configuration.
//
// A quota is "<count>/<period>[ burst <n>]": "100/s", "10/m burst 2", "500/10s". The period is a
// unit (s, m, h, d) or a whole number of them; the burst (requests allowed at once beyond the
// first) defaults to count − 1, so "100/s" admits 100 at once and then 100 per second.
// ratelimit.policies is a ';'-separated list of
//   [METHOD] ROUTE-TEMPLATE = QUOTA [key=ip|api_key|subject|global] [name=NAME]
// e.g. "GET /v1/products/{id:int}=100/s burst 50 key=ip; POST /v1/orders=10/m key=api_key".
// ROUTE-TEMPLATE is the template the route was registered with (what access logs show as
// `route`); METHOD defaults to any ('*'), and HEAD uses GET's policy. The key picks the bucket:
// the client IP (see client_ip.hpp), the X-Api-Key header (falling back to the IP), the
// authenticated subject (an auth middleware's hook; for now the API key), or one bucket for all.
//
//   keel::Result<std::vector<RatePolicy>> p = keel::resilience::ParseRatePolicies(text);
//   if (!p) std::cerr << p.error().message();  // names the entry and the bad part
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/error.hpp"
#include "keel/resilience/gcra.hpp"

namespace keel::resilience {

enum class RateKey : std::uint8_t { kIp, kApiKey, kSubject, kGlobal };
[[nodiscard]] std::string_view RateKeyName(RateKey k) noexcept;

struct RatePolicy {
  std::string name;  // metric label and RateLimit item name
  std::string method = "*";
  std::string route;  // the route template, e.g. "/v1/products/{id:int}"
  RateQuota quota;
  RateKey key = RateKey::kIp;
};

// Errors: kInvalidArgument naming the bad part.
[[nodiscard]] Result<RateQuota> ParseRateQuota(std::string_view text);
// Errors: kInvalidArgument naming the entry (1-based and quoted) and the bad part.
[[nodiscard]] Result<std::vector<RatePolicy>> ParseRatePolicies(std::string_view text);

}  // namespace keel::resilience
