// WorkerSet's shared state: owned jointly by the WorkerSet, its poller and its job coroutines, so
// that a job finishing after the WorkerSet was destroyed still has somewhere to report to.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keel/jobs/worker_set.hpp"

namespace keel::jobs {

struct KindMetrics {
  Histogram* processing;
  Counter* completed;
  Counter* failures;
  Counter* retries;
  Counter* dead;
};

struct WorkerSet::State : std::enable_shared_from_this<WorkerSet::State> {
  State(JobQueue& q, WorkerSetSettings s, MetricSink* sink);

  // Any thread: make the poller claim now (a local enqueue, a freed slot, Stop).
  void Wake();
  // Any thread, once per dispatched job.
  void Finished(JobId id);
  // Reports the end of a Stop() to its callbacks (once), on the poller's executor.
  void ReportStopped(bool drained);
  void StartStopTimer();
  [[nodiscard]] const KindMetrics& MetricsFor(const std::string& kind) const;
  KindMetrics& AddKindMetrics(const std::string& kind);
  [[nodiscard]] boost::asio::any_io_executor NextExecutor();

  struct Active {
    ClaimedJob job;
    Deadline deadline;
  };

  JobQueue& queue;
  const WorkerSetSettings settings;
  const std::string worker_id;
  DiscardingMetricSink own_sink;
  MetricSink& sink;
  std::map<std::string, JobHandler, std::less<>> handlers;  // fixed once started
  std::map<std::string, KindMetrics, std::less<>> kind_metrics;
  Counter& lease_lost;
  Counter& rescued;
  Counter& rescued_dead;
  Counter& poll_errors;
  Gauge& running_gauge;
  // Poller-only: gauges by (queue, state) and by queue.
  std::map<std::pair<std::string, int>, Gauge*> depth_gauges;
  std::map<std::string, Gauge*, std::less<>> age_gauges;

  std::vector<boost::asio::any_io_executor> executors;  // set by Start, then fixed
  std::size_t next_executor = 0;                        // poller-only
  std::atomic<std::size_t> running{0};
  std::atomic<bool> stopping{false};
  std::atomic<bool> wake_pending{false};

  std::mutex mutex;                                 // guards everything below
  boost::asio::steady_timer* poll_timer = nullptr;  // used on executors[0] only
  boost::asio::steady_timer* stop_timer = nullptr;
  std::map<JobId, Active> active;
  std::vector<std::function<void(bool)>> on_stopped;
  std::optional<bool> stop_result;  // set once stopped
  bool started = false;
  std::uint64_t listener = 0;
};

// The job's coroutine: run the handler, settle the outcome with the queue, report Finished.
boost::asio::awaitable<void> RunJob(std::shared_ptr<WorkerSet::State> s, ClaimedJob job,
                                    Deadline deadline);
// The poller's coroutine (on executors[0]).
boost::asio::awaitable<void> PollLoop(std::shared_ptr<WorkerSet::State> s);

}  // namespace keel::jobs
