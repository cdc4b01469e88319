// keel/idempotency/key.hpp — the Idempotency-Key field value and the request fingerprint.
//
// The IETF draft (draft-ietf-httpapi-idempotency-key-header) makes the field an RFC 8941
// sf-string (`Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"`); Stripe's clients send the
// bare key. Both are accepted. A key is 1..255 printable ASCII characters (Stripe's limit).
//
//   auto key = keel::idempotency::ParseIdempotencyKey(*request.Header("Idempotency-Key"));
//   if (!key) co_return keel::http::ErrorResponse(key.error(), ctx.request_id());  // 400
//   auto fp = keel::idempotency::FingerprintRequest("POST", "/v1/orders", request.body());
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "keel/core/error.hpp"

namespace keel::idempotency {

inline constexpr std::string_view kIdempotencyKeyHeader = "Idempotency-Key";
inline constexpr std::string_view kReplayedHeader = "Idempotent-Replayed";
inline constexpr std::size_t kMaxKeyLength = 255;

// The key carried by a field value: the content of an sf-string (escapes `\"` and `\\` resolved)
// or the bare value. kInvalidArgument naming the problem: empty, longer than kMaxKeyLength, a
// character outside printable ASCII (0x20..0x7E), a malformed sf-string (unterminated, a bad
// escape, text after the closing quote).
[[nodiscard]] Result<std::string> ParseIdempotencyKey(std::string_view field_value);

// What makes two requests "the same" for a key: method, target (path and query: a different
// query is a different operation) and a SHA-256 of the body. `digest` (lowercase hex SHA-256 over
// all three) is what is compared; method and target are kept to explain a mismatch.
struct RequestFingerprint {
  std::string method;
  std::string target;
  std::string digest;
};

[[nodiscard]] RequestFingerprint FingerprintRequest(std::string_view method,
                                                    std::string_view target, std::string_view body);

}  // namespace keel::idempotency
