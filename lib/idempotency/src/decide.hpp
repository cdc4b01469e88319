// What Begin does with the record it found: the whole locking rule in one pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace keel::idempotency::detail {

struct ExistingRecord {
  bool completed = false;
  std::string fingerprint;
  std::string method;
  std::string target;
  std::string lock_token;
  std::int64_t locked_at = 0;  // Unix ms
  std::int64_t expires_at = 0;
  int status = 0;
  std::string headers;
  std::string body;
};

enum class Decision {
  kInsert,    // no live record: create one, locked by this request
  kReplay,    // completed, same fingerprint
  kMismatch,  // a live record of another request
  kInFlight,  // in progress, same fingerprint, lock younger than the lock timeout
  kTakeOver,  // in progress, same fingerprint, lock older than the lock timeout
};

// An expired record (expires_at <= now) counts as absent whatever its state. A different
// fingerprint is a mismatch before anything else: the client must fix its request, waiting
// would not help.
[[nodiscard]] Decision Decide(const std::optional<ExistingRecord>& existing,
                              const std::string& fingerprint, std::int64_t now_ms,
                              std::int64_t lock_timeout_ms) noexcept;

}  // namespace keel::idempotency::detail
