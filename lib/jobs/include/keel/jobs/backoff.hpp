// keel/jobs/backoff.hpp — how long a failed job waits before its next attempt.
//
// Exponential backoff with full jitter (Marc Brooker, "Exponential Backoff And Jitter", AWS
// 2015): the wait after attempt n is uniform in [0, min(cap, base * 2^(n-1))]. Jitter spreads the
// retries of jobs that failed together (a dependency outage) instead of sending them back in
// waves; full jitter does the least work of the variants compared there.
//
//   keel::jobs::BackoffPolicy policy{.base = std::chrono::seconds(1), .cap =
//   std::chrono::hours(1)}; keel::Duration wait = keel::jobs::FullJitterBackoff(policy, attempt,
//   uniform01(rng));
#pragma once

#include <chrono>

#include "keel/core/clock.hpp"

namespace keel::jobs {

struct BackoffPolicy {
  Duration base = std::chrono::seconds(1);
  Duration cap = std::chrono::hours(1);
};

// min(cap, base * 2^(attempt-1)) for attempt >= 1 (attempt < 1 counts as 1); never overflows.
[[nodiscard]] Duration BackoffCeiling(const BackoffPolicy& policy, int attempt) noexcept;
// `unit` in [0, 1) (a uniform random draw) scaled onto [0, BackoffCeiling].
[[nodiscard]] Duration FullJitterBackoff(const BackoffPolicy& policy, int attempt,
                                         double unit) noexcept;

}  // namespace keel::jobs
