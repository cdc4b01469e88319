#include "keel/resilience/retry_budget.hpp"

#include <algorithm>

namespace keel::resilience {

RetryBudget::RetryBudget(RetryBudgetSettings settings, const Clock& clock)
    : settings_(settings),
      clock_(clock),
      slot_width_(std::max<Duration>(settings.ttl / static_cast<int>(kSlots), Duration(1))) {}

void RetryBudget::Advance(TimePoint now) const {
  const std::int64_t index = now.time_since_epoch() / slot_width_;
  if (index <= latest_) {
    return;
  }
  // Slots between the last one used and now fall out of the window (at most all of them).
  const std::int64_t first = std::max(latest_ + 1, index - static_cast<std::int64_t>(kSlots) + 1);
  for (std::int64_t i = first; i <= index; ++i) {
    Slot& s = slots_[static_cast<std::size_t>(i % static_cast<std::int64_t>(kSlots))];
    if (s.index >= 0) {
      deposits_ -= s.deposits;
      withdrawals_ -= s.withdrawals;
    }
    s = Slot{.index = i, .deposits = 0, .withdrawals = 0};
  }
  latest_ = index;
}

double RetryBudget::AvailableLocked() const {
  const double ttl_seconds = std::chrono::duration<double>(settings_.ttl).count();
  const double allowed = settings_.percent / 100.0 * static_cast<double>(deposits_) +
                         settings_.min_per_second * ttl_seconds;
  return allowed - static_cast<double>(withdrawals_);
}

void RetryBudget::Deposit() {
  std::lock_guard lock(mu_);
  Advance(clock_.Now());
  ++slots_[static_cast<std::size_t>(latest_ % static_cast<std::int64_t>(kSlots))].deposits;
  ++deposits_;
}

bool RetryBudget::TryWithdraw() {
  std::lock_guard lock(mu_);
  Advance(clock_.Now());
  if (AvailableLocked() < 1.0) {
    return false;
  }
  ++slots_[static_cast<std::size_t>(latest_ % static_cast<std::int64_t>(kSlots))].withdrawals;
  ++withdrawals_;
  return true;
}

RetryBudget::Snapshot RetryBudget::Read() const {
  std::lock_guard lock(mu_);
  Advance(clock_.Now());
  return {.requests = deposits_, .withdrawn = withdrawals_, .available = AvailableLocked()};
}

}  // namespace keel::resilience
