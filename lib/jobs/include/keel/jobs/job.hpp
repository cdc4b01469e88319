// keel/jobs/job.hpp — what a job is: its states, what enqueue takes and what a row holds.
//
// States follow River's: a job waits as `available` (runnable now), `scheduled` (runnable at
// scheduled_at) or `retryable` (failed, waiting for its backoff); a worker holds it `running`
// under a lease; it ends `completed`, `discarded` (dead: out of attempts, or a permanent error;
// the last error is kept) or `cancelled` (by an operator).
//
//   keel::jobs::JobSpec spec{.queue = "reports", .kind = "sales_report",
//                            .args = R"({"month":"2024-05"})", .dedupe_key = "sales:2024-05"};
//   auto id = queue.Enqueue(tx, spec);  // inside the business transaction
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keel/core/clock.hpp"

namespace keel::jobs {

using JobId = std::int64_t;

enum class JobState {
  kAvailable,
  kScheduled,
  kRunning,
  kRetryable,
  kCompleted,
  kDiscarded,  // dead letter
  kCancelled,
};
inline constexpr int kJobStateCount = 7;

// "available", "scheduled", ... (the value stored in the row and shown by the admin API).
[[nodiscard]] std::string_view JobStateName(JobState state) noexcept;
[[nodiscard]] std::optional<JobState> ParseJobState(std::string_view name) noexcept;
// A waiting state counts toward the queue depth (available, scheduled, retryable, running).
[[nodiscard]] bool IsPending(JobState state) noexcept;

inline constexpr int kHighestPriority = 1;  // runs first
inline constexpr int kLowestPriority = 4;

struct JobSpec {
  std::string queue = "default";
  std::string kind;         // selects the handler; required
  std::string args = "{}";  // JSON handed to the handler
  int priority = 2;         // kHighestPriority (1) .. kLowestPriority (4)
  // Runs no earlier than this long after enqueue (0: now; the job is `scheduled` until then).
  Duration delay = Duration::zero();
  std::optional<int> max_attempts;  // nullopt: the queue's default (jobs.max_attempts)
  std::optional<Duration> timeout;  // nullopt: the queue's default (jobs.timeout)
  // Unique jobs: while a job of this queue with the same key is pending (or, with
  // `dedupe_completed`, also completed and not yet pruned), enqueue is a no-op returning its id.
  std::string dedupe_key;
  bool dedupe_completed = false;
};

struct EnqueueResult {
  JobId id = 0;
  bool duplicate = false;  // an existing job with the same dedupe key was returned
};

// A job row as the admin API and tests see it. Times are Unix milliseconds (0: never).
struct JobRecord {
  JobId id = 0;
  std::string queue;
  std::string kind;
  std::string args;
  JobState state = JobState::kAvailable;
  int priority = 2;
  int attempt = 0;  // attempts started so far
  int max_attempts = 0;
  int progress = 0;  // 0..100, reported by the handler
  std::string last_error;
  std::string dedupe_key;
  std::string attempted_by;
  std::int64_t created_at = 0;
  std::int64_t scheduled_at = 0;
  std::int64_t attempted_at = 0;
  std::int64_t finalized_at = 0;
  std::int64_t lease_expires_at = 0;
  std::int64_t timeout_ms = 0;
};

// A job claimed by a worker: the row plus the lease token that proves the claim. Every write a
// worker makes about the job (ack, failure, progress, lease extension) is guarded by the token,
// so a worker whose lease expired and whose job was redelivered can no longer change it.
struct ClaimedJob {
  JobRecord job;
  std::string lease_token;
};

}  // namespace keel::jobs
