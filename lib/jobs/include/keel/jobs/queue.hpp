// keel/jobs/queue.hpp — the durable job queue contract (JobQueue).
//
// Producers enqueue — inside their business transaction (the transactional outbox pattern: the
// job exists if and only if the change committed) or on their own. Workers claim available jobs
// under a lease, then acknowledge (Complete) or Fail them; every worker write is guarded by the
// claim's lease token. Maintenance rescues jobs whose lease expired (their worker died) and prunes
// old finished jobs. The admin API lists, inspects, retries and discards.
//
//   auto enqueued = co_await queue.Enqueue(keel::jobs::JobSpec{.queue = "reports",
//                                                              .kind = "sales_report"},
//                                          {.deadline = ctx.deadline()});
//   if (!enqueued) co_return keel::http::ErrorResponse(enqueued.error(), ctx.request_id());
//   // kOverloaded past jobs.max_depth → 503 + Retry-After (backpressure)
//
// Implementations: SqliteJobQueue (keel/jobs/sqlite_queue.hpp). PostgreSQL (SKIP LOCKED) and
// Redis Streams come later behind the same interface.
//
// Thread safety: every member may be called from any coroutine on any thread; awaitables resume
// on the caller's executor. Errors besides those named: those of keel::data::Database
// (kOverloaded/kUnavailable → 503, kDeadlineExceeded → 504).
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/error.hpp"
#include "keel/data/database.hpp"
#include "keel/jobs/job.hpp"

namespace keel::jobs {

struct ClaimOptions {
  std::string worker;  // recorded as attempted_by
  Duration lease = std::chrono::seconds(30);
};

struct FailOutcome {
  bool lease_held = true;  // false: the job had been rescued or claimed again; nothing changed
  JobState state = JobState::kRetryable;  // kRetryable or kDiscarded
  std::int64_t retry_at = 0;              // Unix ms (kRetryable)
};

struct MaintenanceResult {
  std::int64_t rescued = 0;  // leases expired: back to retryable
  std::int64_t dead = 0;     // leases expired on the last attempt: discarded
  std::int64_t pruned = 0;   // finished jobs past their retention, deleted
};

struct QueueDepth {
  std::string queue;
  std::array<std::int64_t, kJobStateCount> count{};  // by JobState
  // Age of the oldest available job (how far behind the workers are), 0 when none.
  Duration oldest_available_age = Duration::zero();
};

struct JobFilter {
  std::optional<JobState> state;
  std::optional<std::string> queue;
  std::size_t limit = 100;  // newest first
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // --- producers ---
  // Enqueues inside `tx`, which must belong to the queue's database (call from the transaction
  // body). kInvalidArgument for a bad spec; kOverloaded (+ retry_after) when the queue holds
  // max_depth pending jobs — return it from the body so the business change rolls back too. A
  // duplicate of a pending unique job returns the existing id with `duplicate`.
  [[nodiscard]] virtual Result<EnqueueResult> Enqueue(data::Tx& tx, const JobSpec& spec) = 0;
  // Enqueue in a transaction of its own.
  [[nodiscard]] virtual boost::asio::awaitable<Result<EnqueueResult>> Enqueue(
      JobSpec spec, data::CallOptions options) = 0;

  // --- workers ---
  // Makes due scheduled/retryable jobs available, then claims up to `max` available jobs of
  // `queues` (priority, then scheduled time, then id), each `running` under a fresh lease.
  [[nodiscard]] virtual boost::asio::awaitable<Result<std::vector<ClaimedJob>>> Claim(
      std::vector<std::string> queues, std::size_t max, ClaimOptions claim,
      data::CallOptions options) = 0;
  // Acknowledges a job whose handler succeeded. False when the lease was lost (nothing changed).
  [[nodiscard]] virtual boost::asio::awaitable<Result<bool>> Complete(
      ClaimedJob job, data::CallOptions options) = 0;
  // Records a failed attempt: retryable after a backoff, or discarded (dead) with `error` kept
  // when `permanent` or out of attempts.
  [[nodiscard]] virtual boost::asio::awaitable<Result<FailOutcome>> Fail(
      ClaimedJob job, std::string error, bool permanent, data::CallOptions options) = 0;
  // Moves the lease expiry of jobs still held by these claims to now + lease; returns how many.
  [[nodiscard]] virtual boost::asio::awaitable<Result<std::size_t>> ExtendLeases(
      std::vector<ClaimedJob> jobs, Duration lease, data::CallOptions options) = 0;
  // Stores progress (0..100, else kInvalidArgument) of a running job; false when it is not
  // running (any more).
  [[nodiscard]] virtual boost::asio::awaitable<Result<bool>> ReportProgress(
      JobId id, int percent, data::CallOptions options) = 0;
  // Rescues jobs whose lease expired, prunes finished jobs past their retention. Idempotent; any
  // process may run it.
  [[nodiscard]] virtual boost::asio::awaitable<Result<MaintenanceResult>> Maintain(
      data::CallOptions options) = 0;

  // --- observation and admin ---
  [[nodiscard]] virtual boost::asio::awaitable<Result<std::vector<QueueDepth>>> Depth(
      data::CallOptions options) = 0;
  // kNotFound when there is no such job.
  [[nodiscard]] virtual boost::asio::awaitable<Result<JobRecord>> Get(
      JobId id, data::CallOptions options) = 0;
  [[nodiscard]] virtual boost::asio::awaitable<Result<std::vector<JobRecord>>> List(
      JobFilter filter, data::CallOptions options) = 0;
  // Runs a discarded, cancelled, retryable or scheduled job again now (an exhausted job gets one
  // more attempt). kNotFound; kConflict for running or completed jobs.
  [[nodiscard]] virtual boost::asio::awaitable<Result<JobRecord>> Retry(
      JobId id, data::CallOptions options) = 0;
  // An operator gives up on a job: a waiting one (available, scheduled, retryable) becomes
  // discarded; a discarded one is dismissed (cancelled). kNotFound; kConflict otherwise.
  [[nodiscard]] virtual boost::asio::awaitable<Result<JobRecord>> Discard(
      JobId id, data::CallOptions options) = 0;

  // --- local wake-ups ---
  // `listener(queue)` is called (on the enqueuing thread; it must only post) after each local
  // enqueue, so that pollers claim at once instead of at their next tick. Returns a handle.
  virtual std::uint64_t AddListener(std::function<void(std::string_view queue)> listener) = 0;
  virtual void RemoveListener(std::uint64_t handle) = 0;
};

}  // namespace keel::jobs
