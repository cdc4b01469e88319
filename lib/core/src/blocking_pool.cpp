#include "keel/core/blocking_pool.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>

namespace keel {

BlockingPool::BlockingPool(BlockingPoolSettings settings, MetricSink* sink)
    : settings_(std::move(settings)) {
  if (sink != nullptr) {
    const MetricLabels labels{{"pool", settings_.name}};
    rejected_ = &sink->GetCounter("keel_pool_rejections_total",
                                  "Tasks refused because the pool queue was full", labels);
    timed_out_ = &sink->GetCounter("keel_pool_deadline_exceeded_total",
                                   "Waits that ended at the caller's deadline", labels);
    queue_timeouts_ =
        &sink->GetCounter("keel_pool_queue_timeouts_total",
                          "Waits for a worker that ended at the call's max_queue_wait", labels);
    completed_ = &sink->GetCounter("keel_pool_tasks_total", "Tasks run to completion", labels);
    depth_ = &sink->GetGauge("keel_pool_queue_depth", "Tasks waiting for a worker", labels);
    busy_gauge_ = &sink->GetGauge("keel_pool_busy_workers", "Workers running a task", labels);
    sink->GetGauge("keel_pool_workers", "Worker threads", labels)
        .Set(static_cast<double>(settings_.threads));
    sink->GetGauge("keel_pool_queue_capacity", "Queue capacity", labels)
        .Set(static_cast<double>(settings_.queue_capacity));
    wait_ = &sink->GetHistogram("keel_pool_queue_wait_seconds",
                                "Time from enqueue to the start of the task", labels);
    run_ = &sink->GetHistogram("keel_pool_task_seconds", "Task run time", labels);
  }
  workers_.reserve(settings_.threads);
  for (std::size_t i = 0; i < settings_.threads; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

BlockingPool::~BlockingPool() {
  Stop();
}

Result<void> BlockingPool::Enqueue(std::shared_ptr<Task> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return Error(ErrorCode::kCancelled, "the " + settings_.name + " pool is stopping");
    }
    if (queue_.size() >= settings_.queue_capacity) {
      if (rejected_ != nullptr) {
        rejected_->Add();
      }
      return Error(ErrorCode::kOverloaded, "the " + settings_.name + " pool queue is full (" +
                                               std::to_string(settings_.queue_capacity) +
                                               " waiting)")
          .WithRetryAfter(settings_.retry_after);
    }
    queue_.push_back(std::move(task));
    if (depth_ != nullptr) {
      depth_->Set(static_cast<double>(queue_.size()));
    }
  }
  cv_.notify_one();
  return {};
}

void BlockingPool::Release(Task& task) noexcept {
  task.run.Reset();
  task.cancel.Reset();
}

Error BlockingPool::QueueWaitError(const RunOptions& options) const {
  if (queue_timeouts_ != nullptr) {
    queue_timeouts_->Add();
  }
  if (options.queue_wait_timeouts != nullptr) {
    options.queue_wait_timeouts->Add();
  }
  std::string message(options.queue_wait_message);
  if (message.empty()) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*options.max_queue_wait);
    message =
        "the " + settings_.name + " pool: no worker within " + std::to_string(ms.count()) + " ms";
  }
  return Error(ErrorCode::kOverloaded, std::move(message)).WithRetryAfter(settings_.retry_after);
}

void BlockingPool::RecordStart(const Task& task) {
  if (wait_ != nullptr) {
    wait_->Record(std::chrono::steady_clock::now() - task.enqueued_at);
  }
}

void BlockingPool::WorkerLoop() {
  if (settings_.thread_nice != 0) {
    // Best effort: a refused priority change only leaves the thread at the process's priority.
    const auto self = static_cast<id_t>(::gettid());
    const int current = getpriority(PRIO_PROCESS, self);  // inherited from the creating thread
    (void)setpriority(PRIO_PROCESS, self, std::min(current + settings_.thread_nice, 19));
  }
  if (settings_.idle_scheduling) {
    // Best effort as well (0 = this thread); lowering one's own policy needs no privilege.
    const sched_param param{};
    (void)sched_setscheduler(0, SCHED_IDLE, &param);
  }
  for (;;) {
    std::shared_ptr<Task> task;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping and drained
      }
      task = std::move(queue_.front());
      queue_.pop_front();
      if (depth_ != nullptr) {
        depth_->Set(static_cast<double>(queue_.size()));
      }
      if (stopping_) {
        int expected = Task::kQueued;
        if (task->state.compare_exchange_strong(expected, Task::kAbandoned)) {
          task->cancel();
        }
        Release(*task);
        continue;
      }
    }
    int expected = Task::kQueued;
    if (!task->state.compare_exchange_strong(expected, Task::kRunning)) {
      Release(*task);  // its waiter's deadline passed while queued: never run it
      continue;
    }
    task->cancel.Reset();  // running: only `run` may complete it now (see Run's comment)
    RecordStart(*task);
    const auto started = std::chrono::steady_clock::now();
    busy_.fetch_add(1, std::memory_order_relaxed);
    if (busy_gauge_ != nullptr) {
      busy_gauge_->Add(1);
    }
    task->run();
    busy_.fetch_sub(1, std::memory_order_relaxed);
    if (busy_gauge_ != nullptr) {
      busy_gauge_->Add(-1);
    }
    if (run_ != nullptr) {
      run_->Record(std::chrono::steady_clock::now() - started);
    }
    if (completed_ != nullptr) {
      completed_->Add();
    }
    Release(*task);
  }
}

void BlockingPool::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && workers_.empty()) {
      return;
    }
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) {
      t.join();
    }
  }
  workers_.clear();
}

std::size_t BlockingPool::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace keel
