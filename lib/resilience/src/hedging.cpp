#include "keel/resilience/hedging.hpp"

#include <algorithm>
#include <cmath>

namespace keel::resilience {

namespace {
constexpr std::size_t kRecomputeEvery = 16;
}  // namespace

LatencyTracker::LatencyTracker(std::size_t capacity) : ring_(std::max<std::size_t>(capacity, 1)) {}

void LatencyTracker::Record(Duration latency) {
  std::lock_guard lock(mu_);
  ring_[next_] = latency;
  next_ = (next_ + 1) % ring_.size();
  size_ = std::min(size_ + 1, ring_.size());
  ++since_cache_;
}

std::size_t LatencyTracker::samples() const {
  std::lock_guard lock(mu_);
  return size_;
}

std::optional<Duration> LatencyTracker::Quantile(double q) const {
  std::lock_guard lock(mu_);
  if (size_ == 0) {
    return std::nullopt;
  }
  // Recompute after 1/16 of the window changed (every sample while it is small).
  if (q == cached_q_ && since_cache_ * kRecomputeEvery < size_) {
    return cached_;
  }
  std::vector<Duration> sorted(ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(size_));
  const auto rank = static_cast<std::size_t>(std::clamp(
      std::ceil(q * static_cast<double>(size_)) - 1.0, 0.0, static_cast<double>(size_ - 1)));
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank),
                   sorted.end());
  cached_q_ = q;
  cached_ = sorted[rank];
  since_cache_ = 0;
  return cached_;
}

HedgePolicy::HedgePolicy(HedgeSettings settings, RetryBudget* budget, MetricSink& sink)
    : settings_(std::move(settings)), budget_(budget), latencies_(settings_.window) {
  const MetricLabels labels{{"dependency", settings_.name}};
  sent_ = &sink.GetCounter("keel_hedges_total", "Hedged attempts sent", labels);
  won_ = &sink.GetCounter("keel_hedges_won_total", "Calls answered first by a hedge", labels);
  refused_ = &sink.GetCounter("keel_hedge_budget_refusals_total",
                              "Hedges not sent because the hedge budget was spent", labels);
}

std::optional<Duration> HedgePolicy::Delay() const {
  if (latencies_.samples() < std::max<std::size_t>(settings_.min_samples, 1)) {
    return std::nullopt;
  }
  const auto q = latencies_.Quantile(settings_.quantile);
  return std::max(q.value_or(settings_.min_delay), settings_.min_delay);
}

void HedgePolicy::OnCall() {
  if (budget_ != nullptr) {
    budget_->Deposit();
  }
}

bool HedgePolicy::TryHedge() {
  if (budget_ != nullptr && !budget_->TryWithdraw()) {
    refused_->Add();
    return false;
  }
  sent_->Add();
  return true;
}

void HedgePolicy::OnSuccess(Duration latency, bool hedge_won) {
  latencies_.Record(latency);
  if (hedge_won) {
    won_->Add();
  }
}

bool HedgePolicy::NonFatal(const Error& e) const {
  return settings_.non_fatal ? settings_.non_fatal(e) : DefaultRetryable(e);
}

}  // namespace keel::resilience
