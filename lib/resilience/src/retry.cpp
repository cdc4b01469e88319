#include "keel/resilience/retry.hpp"

#include <algorithm>
#include <cmath>

namespace keel::resilience {

double SplitMixRandom::Uniform() noexcept {
  std::uint64_t z =
      state_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;  // the top 53 bits: uniform in [0, 1)
}

Duration FullJitterBackoff(int retry, Duration base, Duration cap, Random& random) {
  // base * 2^retry saturates at cap long before it could overflow (retry is at most a few).
  const double ceiling =
      std::min(static_cast<double>(cap.count()),
               static_cast<double>(base.count()) * std::ldexp(1.0, std::clamp(retry, 0, 62)));
  return Duration(static_cast<Duration::rep>(random.Uniform() * ceiling));
}

bool DefaultRetryable(const Error& error) noexcept {
  switch (error.code()) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kOverloaded:
      return true;
    default:
      return false;
  }
}

RetryPolicy::RetryPolicy(RetrySettings settings, RetryBudget* budget, Random& random,
                         const Clock& clock, MetricSink& sink)
    : settings_(std::move(settings)), budget_(budget), random_(random), clock_(clock) {
  const MetricLabels labels{{"dependency", settings_.name}};
  attempts_ =
      &sink.GetCounter("keel_retry_attempts_total",
                       "Attempts of calls under a retry policy, originals included", labels);
  retries_ =
      &sink.GetCounter("keel_retries_total", "Retries made (attempts after the first)", labels);
  budget_exhausted_ =
      &sink.GetCounter("keel_retry_budget_exhausted_total",
                       "Retries not made because the retry budget was spent", labels);
  deadline_stops_ = &sink.GetCounter("keel_retry_deadline_stops_total",
                                     "Retries not made because the back-off would cross the "
                                     "deadline",
                                     labels);
}

void RetryPolicy::OnCall() {
  attempts_->Add();
  if (budget_ != nullptr) {
    budget_->Deposit();
  }
}

RetryDecision RetryPolicy::Decide(int attempts_done, const Error& error, bool idempotent,
                                  Deadline deadline) {
  const auto& retryable = settings_.retryable ? settings_.retryable : DefaultRetryable;
  if (!retryable(error)) {
    return {.stop = RetryStop::kNotRetryable};
  }
  if (!idempotent) {
    return {.stop = RetryStop::kNotIdempotent};
  }
  if (attempts_done >= settings_.max_attempts) {
    return {.stop = RetryStop::kAttemptsExhausted};
  }
  Duration delay = FullJitterBackoff(attempts_done - 1, settings_.base, settings_.cap, random_);
  if (settings_.honor_retry_after && error.retry_after()) {
    delay = std::max<Duration>(delay, *error.retry_after());
  }
  if (!deadline.IsNever() && clock_.Now() + delay >= deadline.when()) {
    deadline_stops_->Add();
    return {.stop = RetryStop::kDeadline};
  }
  if (budget_ != nullptr && !budget_->TryWithdraw()) {
    budget_exhausted_->Add();
    return {.stop = RetryStop::kBudgetExhausted};
  }
  attempts_->Add();
  retries_->Add();
  return {.stop = RetryStop::kRetry, .delay = delay};
}

}  // namespace keel::resilience
