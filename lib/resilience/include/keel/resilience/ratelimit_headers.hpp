// keel/resilience/ratelimit_headers.hpp — the IETF RateLimit-Policy and RateLimit fields.
//
// draft-ietf-httpapi-ratelimit-headers-10 (the current editor's copy): both fields are
// Structured-Field Lists whose items are the policy names as sf-strings, with parameters:
//   RateLimit-Policy: "products";q=100;w=1,"global";q=1000;w=1      (quota q per window w s)
//   RateLimit: "products";r=37;t=1                                  (remaining r, next unit in t s)
// `t` is when more quota becomes available (GCRA frees one unit per emission interval), so on a
// refusal it equals Retry-After, as the draft requires (Retry-After never earlier than `t`).
//
//   std::string policy, limit;
//   keel::resilience::AppendRateLimitPolicy(policy, "products", quota);
//   keel::resilience::AppendRateLimit(limit, "products", decision);
//   response.SetHeader("RateLimit-Policy", policy);
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "keel/resilience/gcra.hpp"

namespace keel::resilience {

// A name that can be sent as an sf-string: 1..64 printable ASCII characters.
[[nodiscard]] bool IsValidPolicyName(std::string_view name) noexcept;
// Appends `"name";q=<count>;w=<period in s>` (a comma first when `out` is not empty).
void AppendRateLimitPolicy(std::string& out, std::string_view name, const RateQuota& quota);
// Appends `"name";r=<remaining>;t=<s until one more unit>` (a comma first when not empty).
void AppendRateLimit(std::string& out, std::string_view name, const RateDecision& decision);

}  // namespace keel::resilience
