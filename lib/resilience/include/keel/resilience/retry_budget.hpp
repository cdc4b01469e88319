// keel/resilience/retry_budget.hpp — retries (and hedges) as a bounded share of requests.
//
// Per-call attempt limits do not stop an outage from being amplified: with 3 attempts each, a
// dependency that fails everything receives 3x its normal load exactly when it can least take it.
// A budget caps extra attempts across all calls instead (Finagle's RetryBudget, Envoy's
// retry_budget, the SRE book's 10 % per client): over the last `ttl`, extra attempts may be at most
// `percent` % of the original requests, plus a reserve of `min_per_second` x ttl so that a client
// with little traffic can still retry at all. When the budget is spent, the extra attempt is not
// made and the call's last error is returned — it never waits for budget.
//
//   keel::resilience::RetryBudget budget({.percent = 10, .min_per_second = 10}, clock);
//   budget.Deposit();                    // once per original request
//   if (budget.TryWithdraw()) { retry }  // once per retry or hedge
//
// The window is `ttl` split into 10 slots; a slot's counts leave the window as a whole when it
// ages out (subtract-on-evict), so the budget moves in steps of ttl/10.
//
// Thread safety: every member may be called from any thread (a mutex held for nanoseconds).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "keel/core/clock.hpp"

namespace keel::resilience {

struct RetryBudgetSettings {
  double percent = 10.0;                    // extra attempts as a percentage of requests (>= 0)
  double min_per_second = 10.0;             // reserve, in extra attempts per second of ttl (>= 0)
  Duration ttl = std::chrono::seconds(10);  // how long a deposit counts (1 s .. 60 s)
};

class RetryBudget {
 public:
  RetryBudget(RetryBudgetSettings settings, const Clock& clock);

  // Counts one original request.
  void Deposit();
  // Takes budget for one extra attempt; false (and nothing taken) when none is left.
  [[nodiscard]] bool TryWithdraw();

  struct Snapshot {
    std::uint64_t requests = 0;   // deposits in the window
    std::uint64_t withdrawn = 0;  // extra attempts in the window
    double available = 0;         // extra attempts allowed now
  };
  [[nodiscard]] Snapshot Read() const;
  [[nodiscard]] const RetryBudgetSettings& settings() const noexcept { return settings_; }

 private:
  static constexpr std::size_t kSlots = 10;
  struct Slot {
    std::int64_t index = -1;  // which ttl/10 interval since the clock's epoch
    std::uint64_t deposits = 0;
    std::uint64_t withdrawals = 0;
  };
  void Advance(TimePoint now) const;
  [[nodiscard]] double AvailableLocked() const;

  RetryBudgetSettings settings_;
  const Clock& clock_;
  Duration slot_width_;
  mutable std::mutex mu_;
  mutable std::array<Slot, kSlots> slots_{};
  mutable std::uint64_t deposits_ = 0;
  mutable std::uint64_t withdrawals_ = 0;
  mutable std::int64_t latest_ = -1;
};

}  // namespace keel::resilience
