#include "decide.hpp"

namespace keel::idempotency::detail {

Decision Decide(const std::optional<ExistingRecord>& existing, const std::string& fingerprint,
                std::int64_t now_ms, std::int64_t lock_timeout_ms) noexcept {
  if (!existing || existing->expires_at <= now_ms) {
    return Decision::kInsert;
  }
  if (existing->fingerprint != fingerprint) {
    return Decision::kMismatch;
  }
  if (existing->completed) {
    return Decision::kReplay;
  }
  return existing->locked_at + lock_timeout_ms > now_ms ? Decision::kInFlight : Decision::kTakeOver;
}

}  // namespace keel::idempotency::detail
