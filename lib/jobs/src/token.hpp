// Random lease tokens (OpenSSL).
#pragma once

#include <string>

namespace keel::jobs::detail {

// 128 random bits as 32 hex characters: proves a claim; unguessable, unique per claim.
[[nodiscard]] std::string RandomToken();

}  // namespace keel::jobs::detail
