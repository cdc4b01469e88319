// SHA-256 digests and random lock tokens (OpenSSL).
#pragma once

#include <string>
#include <string_view>

namespace keel::idempotency::detail {

// Lowercase hex SHA-256 of `data`.
[[nodiscard]] std::string Sha256Hex(std::string_view data);
// 128 random bits as 32 hex characters (a lock token: unguessable, unique per lock).
[[nodiscard]] std::string RandomToken();

}  // namespace keel::idempotency::detail
