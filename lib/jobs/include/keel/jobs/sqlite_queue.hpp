// keel/jobs/sqlite_queue.hpp — the embedded job queue on a keel::data (SQLite) database.
//
// SQLite has no SKIP LOCKED; it has one writer. A claim is one UPDATE … WHERE id IN (SELECT …
// LIMIT n) RETURNING inside a BEGIN IMMEDIATE transaction on the writer, so two pollers (threads
// or processes on the same file) never claim the same job. Tables come from
// keel::jobs::Migrations(), in the application's own database: that is what lets Enqueue(tx, …)
// and Outbox::Add(tx, …) commit with the business change.
//
//   keel::jobs::SqliteJobQueue queue(db, settings.queue, &metrics);
//   keel::jobs::WorkerSet workers(queue, settings.workers, &metrics);
//   workers.Register("sales_report", RunSalesReport);
//   workers.Start(service.runtime());
//
// Times in rows are Unix milliseconds advanced by the injected clock from an anchor taken at
// construction (a wall-clock jump while the process runs moves no lease; tests use ManualClock).
// Metrics: keel_jobs_enqueued_total{queue}, keel_jobs_enqueue_refused_total{queue} (max depth),
// keel_jobs_duplicates_total{queue} (unique jobs deduplicated).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "keel/core/clock.hpp"
#include "keel/core/metrics.hpp"
#include "keel/jobs/backoff.hpp"
#include "keel/jobs/queue.hpp"

namespace keel::jobs {

struct QueueSettings {
  int max_attempts = 25;                             // default per job (River's default)
  Duration timeout = std::chrono::minutes(1);        // default per-job handler deadline
  BackoffPolicy backoff;                             // between attempts
  std::int64_t max_depth = 100'000;                  // pending jobs per queue before kOverloaded
  std::chrono::seconds overload_retry_after{5};      // Retry-After of that refusal
  Duration keep_completed = std::chrono::hours(24);  // then pruned (completed, cancelled)
  Duration keep_discarded = std::chrono::hours(24 * 7);  // dead letters are kept longer
  std::int64_t prune_batch = 1000;                       // rows per prune statement
};

// kInvalidArgument naming the first bad field.
[[nodiscard]] Result<void> ValidateQueueSettings(const QueueSettings& settings);

class SqliteJobQueue final : public JobQueue {
 public:
  // `db`, `sink` and `clock` must outlive the queue; null sink: no metrics; null clock: steady.
  SqliteJobQueue(data::Database& db, QueueSettings settings, MetricSink* sink = nullptr,
                 const Clock* clock = nullptr);
  ~SqliteJobQueue() override;
  SqliteJobQueue(const SqliteJobQueue&) = delete;
  SqliteJobQueue& operator=(const SqliteJobQueue&) = delete;

  Result<EnqueueResult> Enqueue(data::Tx& tx, const JobSpec& spec) override;
  boost::asio::awaitable<Result<EnqueueResult>> Enqueue(JobSpec spec,
                                                        data::CallOptions options) override;
  boost::asio::awaitable<Result<std::vector<ClaimedJob>>> Claim(std::vector<std::string> queues,
                                                                std::size_t max, ClaimOptions claim,
                                                                data::CallOptions options) override;
  boost::asio::awaitable<Result<bool>> Complete(ClaimedJob job, data::CallOptions options) override;
  boost::asio::awaitable<Result<FailOutcome>> Fail(ClaimedJob job, std::string error,
                                                   bool permanent,
                                                   data::CallOptions options) override;
  boost::asio::awaitable<Result<std::size_t>> ExtendLeases(std::vector<ClaimedJob> jobs,
                                                           Duration lease,
                                                           data::CallOptions options) override;
  boost::asio::awaitable<Result<bool>> ReportProgress(JobId id, int percent,
                                                      data::CallOptions options) override;
  boost::asio::awaitable<Result<MaintenanceResult>> Maintain(data::CallOptions options) override;
  boost::asio::awaitable<Result<std::vector<QueueDepth>>> Depth(data::CallOptions options) override;
  boost::asio::awaitable<Result<JobRecord>> Get(JobId id, data::CallOptions options) override;
  boost::asio::awaitable<Result<std::vector<JobRecord>>> List(JobFilter filter,
                                                              data::CallOptions options) override;
  boost::asio::awaitable<Result<JobRecord>> Retry(JobId id, data::CallOptions options) override;
  boost::asio::awaitable<Result<JobRecord>> Discard(JobId id, data::CallOptions options) override;
  std::uint64_t AddListener(std::function<void(std::string_view queue)> listener) override;
  void RemoveListener(std::uint64_t handle) override;

  [[nodiscard]] const QueueSettings& settings() const noexcept;
  // Replaces the uniform [0, 1) source of the backoff jitter (tests pin it).
  void SetRandomForTest(std::function<double()> uniform01);

  class Impl;  // private to the sqlite_queue*.cpp files

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::jobs
