// keel/jobs/worker_set.hpp — workers: claim jobs, run their handlers, acknowledge.
//
// A WorkerSet serves some queues with at most `concurrency` jobs at a time. One poller claims
// every poll_interval — and at once after a local enqueue or a finished job — up to the free
// slots in one transaction; each job's handler runs as a coroutine on the runtime's executors
// (round robin), bounded by the job's timeout. Success acknowledges (completed); an error is a
// failed attempt (retryable after a backoff, dead after max attempts); kInvalidArgument or
// kUnprocessable from a handler say the job can never succeed and discard it at once. While a job
// runs its lease is renewed (every lease/3); a worker that dies stops renewing, and maintenance
// hands the job to another worker once the lease expired. Delivery is therefore at least once:
// handlers must be idempotent (docs/jobs.md shows how).
//
//   keel::jobs::WorkerSet workers(queue, {.queues = {"reports"}, .concurrency = 2}, &metrics);
//   workers.Register("sales_report", [&](keel::jobs::JobContext& job)
//                                        -> boost::asio::awaitable<keel::Result<void>> {
//     for (int month = 1; month <= 12; ++month) {
//       if (auto r = co_await BuildMonth(db, month, job.deadline()); !r) co_return r;
//       (void)co_await job.ReportProgress(month * 100 / 12);
//     }
//     co_return keel::Result<void>();
//   });
//   workers.Start(runtime);
//   ... on shutdown: workers.Stop([&](bool drained) { runtime.Stop(); });
//
// Metrics: keel_jobs_processing_seconds{kind}, keel_jobs_completed_total{kind},
// keel_jobs_failures_total{kind}, keel_jobs_retries_total{kind}, keel_jobs_dead_total{kind},
// keel_jobs_lease_lost_total, keel_jobs_rescued_total, keel_jobs_poll_errors_total,
// keel_jobs_depth{queue,state} and keel_jobs_oldest_available_seconds{queue} (refreshed by the
// poller every stats_interval), keel_jobs_running.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/deadline.hpp"
#include "keel/core/metrics.hpp"
#include "keel/core/runtime.hpp"
#include "keel/jobs/queue.hpp"

namespace keel::jobs {

// What a handler gets: the job, its attempt and deadline, and progress reporting.
class JobContext {
 public:
  JobContext(JobQueue& queue, ClaimedJob claimed, Deadline deadline)
      : queue_(queue), claimed_(std::move(claimed)), deadline_(deadline) {}

  [[nodiscard]] JobId id() const noexcept { return claimed_.job.id; }
  [[nodiscard]] int attempt() const noexcept { return claimed_.job.attempt; }  // 1 = first
  [[nodiscard]] int max_attempts() const noexcept { return claimed_.job.max_attempts; }
  [[nodiscard]] std::string_view queue() const noexcept { return claimed_.job.queue; }
  [[nodiscard]] std::string_view kind() const noexcept { return claimed_.job.kind; }
  [[nodiscard]] std::string_view args() const noexcept { return claimed_.job.args; }
  // "outbox:<event id>" for jobs relayed from the outbox: a ready-made idempotency key.
  [[nodiscard]] std::string_view dedupe_key() const noexcept { return claimed_.job.dedupe_key; }
  // The job's timeout from its start; pass it to every wait. Past it the handler is cancelled.
  [[nodiscard]] Deadline deadline() const noexcept { return deadline_; }
  [[nodiscard]] const ClaimedJob& claimed() const noexcept { return claimed_; }

  // Stores 0..100 in the job row (what GET /admin/jobs/{id} and report status pages show).
  // kInvalidArgument outside 0..100; database errors as JobQueue::ReportProgress.
  [[nodiscard]] boost::asio::awaitable<Result<void>> ReportProgress(int percent);

 private:
  JobQueue& queue_;
  ClaimedJob claimed_;
  Deadline deadline_;
};

using JobHandler = std::function<boost::asio::awaitable<Result<void>>(JobContext&)>;

struct WorkerSetSettings {
  std::string name = "worker";  // attempted_by is "<name>-<random>"
  std::vector<std::string> queues = {"default"};
  std::size_t concurrency = 4;  // jobs.workers
  Duration poll_interval = std::chrono::milliseconds(100);
  Duration lease = std::chrono::seconds(30);
  Duration maintenance_interval = std::chrono::seconds(1);  // lease rescue, pruning
  Duration stats_interval = std::chrono::seconds(1);        // depth gauges
  Duration stop_timeout = std::chrono::seconds(10);         // graceful stop's wait for jobs
  // Budget of each bookkeeping call (claim, ack, fail, lease renewal).
  Duration call_timeout = std::chrono::seconds(5);
};

class WorkerSet {
 public:
  // `queue` and `sink` must outlive every job this set started (until the runtime stops).
  WorkerSet(JobQueue& queue, WorkerSetSettings settings, MetricSink* sink = nullptr);
  ~WorkerSet();  // Stop() without waiting
  WorkerSet(const WorkerSet&) = delete;
  WorkerSet& operator=(const WorkerSet&) = delete;

  // Declares the handler of a job kind (before Start). A claimed job of an unknown kind fails
  // its attempt (it is retried: a newer deployment may know it).
  void Register(std::string kind, JobHandler handler);

  // Starts the poller on the runtime's first context; jobs run on all its contexts.
  void Start(Runtime& runtime);
  // Same, on explicit executors (the poller on the first).
  void Start(std::vector<boost::asio::any_io_executor> executors);

  // Graceful stop, from any thread, without blocking: claims stop at once; `done(true)` is called
  // (on the poller's executor) when the running jobs have finished, or `done(false)` after
  // stop_timeout — the jobs still running are left alone; if the process exits, their leases
  // expire and another worker runs them again. Idempotent; `done` may be empty.
  void Stop(std::function<void(bool drained)> done = {});
  // Stop() and wait up to stop_timeout. Never from one of the runtime's threads (it would wait
  // for work that needs the thread it blocks). True when every job finished.
  bool StopAndWait();

  [[nodiscard]] std::size_t running() const noexcept;

  struct State;  // shared with the poller and the job coroutines (private to worker_set.cpp)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace keel::jobs
