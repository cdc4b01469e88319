#include "keel/jobs/job.hpp"

#include <array>

namespace keel::jobs {

namespace {
constexpr std::array<std::string_view, kJobStateCount> kNames = {
    "available", "scheduled", "running", "retryable", "completed", "discarded", "cancelled"};
}  // namespace

std::string_view JobStateName(JobState state) noexcept {
  return kNames[static_cast<std::size_t>(state)];
}

std::optional<JobState> ParseJobState(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) {
      return static_cast<JobState>(i);
    }
  }
  return std::nullopt;
}

bool IsPending(JobState state) noexcept {
  return state == JobState::kAvailable || state == JobState::kScheduled ||
         state == JobState::kRunning || state == JobState::kRetryable;
}

}  // namespace keel::jobs
