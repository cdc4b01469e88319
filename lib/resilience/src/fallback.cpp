#include "keel/resilience/fallback.hpp"

namespace keel::resilience {

std::string_view FallbackReason(const Error& error) noexcept {
  switch (error.code()) {
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kDeadlineExceeded:
      return "timeout";
    case ErrorCode::kOverloaded:
    case ErrorCode::kRateLimited:
      return "overloaded";
    case ErrorCode::kCancelled:
      return "cancelled";
    default:
      return "error";
  }
}

void FallbackCounter::Count(std::string_view reason) {
  Counter* counter = nullptr;
  {
    std::lock_guard lock(mu_);
    auto it = counters_.find(reason);
    if (it == counters_.end()) {
      it = counters_
               .emplace(std::string(reason),
                        &sink_.GetCounter(
                            "keel_fallbacks_total", "Responses answered with a fallback (degraded)",
                            {{"dependency", dependency_}, {"reason", std::string(reason)}}))
               .first;
    }
    counter = it->second;
  }
  counter->Add();
}

}  // namespace keel::resilience
