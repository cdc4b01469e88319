#include "keel/jobs/worker_set.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>

#include "keel/core/check.hpp"
#include "token.hpp"
#include "worker_state.hpp"

namespace keel::jobs {

namespace asio = boost::asio;

namespace {
constexpr const char* kUnregistered = "<unregistered>";
}  // namespace

// --- State -----------------------------------------------------------------------------------

WorkerSet::State::State(JobQueue& q, WorkerSetSettings s, MetricSink* metrics)
    : queue(q),
      settings(std::move(s)),
      worker_id(settings.name + "-" + detail::RandomToken().substr(0, 8)),
      sink(metrics != nullptr ? *metrics : own_sink),
      lease_lost(sink.GetCounter("keel_jobs_lease_lost_total",
                                 "Acks or failures refused because the job's lease had expired")),
      rescued(sink.GetCounter("keel_jobs_rescued_total",
                              "Jobs whose lease expired (worker lost), by what became of them",
                              {{"outcome", "retryable"}})),
      rescued_dead(sink.GetCounter("keel_jobs_rescued_total",
                                   "Jobs whose lease expired (worker lost), by what became of them",
                                   {{"outcome", "discarded"}})),
      poll_errors(sink.GetCounter("keel_jobs_poll_errors_total",
                                  "Failed queue calls of the poller (claim, renew, stats, ack)")),
      running_gauge(sink.GetGauge("keel_jobs_running", "Jobs running in this process")) {
  AddKindMetrics(kUnregistered);
}

KindMetrics& WorkerSet::State::AddKindMetrics(const std::string& kind) {
  const MetricLabels labels{{"kind", kind}};
  KindMetrics m{
      &sink.GetHistogram("keel_jobs_processing_seconds", "Handler run time per attempt", labels),
      &sink.GetCounter("keel_jobs_completed_total", "Jobs acknowledged", labels),
      &sink.GetCounter("keel_jobs_failures_total", "Failed attempts", labels),
      &sink.GetCounter("keel_jobs_retries_total", "Failed attempts scheduled for a retry", labels),
      &sink.GetCounter("keel_jobs_dead_total", "Jobs discarded (dead letters)", labels)};
  return kind_metrics.insert_or_assign(kind, m).first->second;
}

const KindMetrics& WorkerSet::State::MetricsFor(const std::string& kind) const {
  auto it = kind_metrics.find(kind);
  return it != kind_metrics.end() ? it->second : kind_metrics.find(kUnregistered)->second;
}

asio::any_io_executor WorkerSet::State::NextExecutor() {
  return executors[next_executor++ % executors.size()];
}

void WorkerSet::State::Wake() {
  wake_pending.store(true);
  if (executors.empty()) {
    return;
  }
  asio::post(executors[0], [self = shared_from_this()] {
    std::lock_guard lock(self->mutex);
    if (self->poll_timer != nullptr) {
      self->poll_timer->cancel();
    }
  });
}

void WorkerSet::State::Finished(JobId id) {
  {
    std::lock_guard lock(mutex);
    active.erase(id);
  }
  const std::size_t left = running.fetch_sub(1) - 1;
  running_gauge.Set(static_cast<double>(left));
  if (!stopping.load()) {
    Wake();  // a slot is free
  } else if (left == 0) {
    ReportStopped(true);
  }
}

void WorkerSet::State::ReportStopped(bool drained) {
  auto report = [self = shared_from_this(), drained] {
    std::vector<std::function<void(bool)>> callbacks;
    {
      std::lock_guard lock(self->mutex);
      if (self->stop_result) {
        return;
      }
      self->stop_result = drained;
      callbacks.swap(self->on_stopped);
      if (self->stop_timer != nullptr) {
        self->stop_timer->cancel();
      }
    }
    for (auto& callback : callbacks) {
      callback(drained);
    }
  };
  if (executors.empty()) {
    report();
  } else {
    asio::post(executors[0], std::move(report));
  }
}

void WorkerSet::State::StartStopTimer() {
  asio::co_spawn(
      executors[0],
      [self = shared_from_this()]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor, self->settings.stop_timeout);
        {
          std::lock_guard lock(self->mutex);
          if (self->stop_result) {
            co_return;
          }
          self->stop_timer = &timer;
        }
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        {
          std::lock_guard lock(self->mutex);
          self->stop_timer = nullptr;
        }
        if (!ec) {
          self->ReportStopped(false);
        }
      },
      asio::detached);
}

// --- WorkerSet ---------------------------------------------------------------------------------

WorkerSet::WorkerSet(JobQueue& queue, WorkerSetSettings settings, MetricSink* sink)
    : state_(std::make_shared<State>(queue, std::move(settings), sink)) {}

WorkerSet::~WorkerSet() {
  Stop();
}

void WorkerSet::Register(std::string kind, JobHandler handler) {
  KEEL_CHECK(!state_->started);  // handlers are read without a lock once running
  state_->AddKindMetrics(kind);
  state_->handlers.insert_or_assign(std::move(kind), std::move(handler));
}

void WorkerSet::Start(Runtime& runtime) {
  std::vector<asio::any_io_executor> executors;
  for (std::size_t i = 0; i < runtime.size(); ++i) {
    executors.push_back(runtime.Context(i).get_executor());
  }
  Start(std::move(executors));
}

void WorkerSet::Start(std::vector<asio::any_io_executor> executors) {
  KEEL_CHECK(!executors.empty());
  {
    std::lock_guard lock(state_->mutex);
    KEEL_CHECK(!state_->started);
    state_->started = true;
  }
  state_->executors = std::move(executors);
  std::weak_ptr<State> weak = state_;
  state_->listener = state_->queue.AddListener([weak](std::string_view queue) {
    auto s = weak.lock();
    if (s == nullptr) {
      return;
    }
    for (const std::string& served : s->settings.queues) {
      if (served == queue) {
        s->Wake();
        return;
      }
    }
  });
  asio::co_spawn(state_->executors[0], PollLoop(state_), asio::detached);
}

void WorkerSet::Stop(std::function<void(bool)> done) {
  const bool first = !state_->stopping.exchange(true);
  std::optional<bool> result;
  bool started = false;
  {
    std::lock_guard lock(state_->mutex);
    started = state_->started;
    result = started ? state_->stop_result : std::optional<bool>(true);
    if (!result && done) {
      state_->on_stopped.push_back(std::move(done));
    }
  }
  if (result) {
    if (done) {
      done(*result);
    }
    return;
  }
  if (first) {
    state_->queue.RemoveListener(state_->listener);
    state_->Wake();  // the poller sees `stopping` and leaves its loop
    if (state_->running.load() == 0) {
      state_->ReportStopped(true);
    } else {
      state_->StartStopTimer();
    }
  }
}

bool WorkerSet::StopAndWait() {
  auto promise = std::make_shared<std::promise<bool>>();
  std::future<bool> drained = promise->get_future();
  Stop([promise](bool d) { promise->set_value(d); });
  // The stop timer reports at stop_timeout; the margin covers a busy executor.
  if (drained.wait_for(state_->settings.stop_timeout + std::chrono::seconds(1)) !=
      std::future_status::ready) {
    return false;
  }
  return drained.get();
}

std::size_t WorkerSet::running() const noexcept {
  return state_->running.load();
}

// --- JobContext --------------------------------------------------------------------------------

asio::awaitable<Result<void>> JobContext::ReportProgress(int percent) {
  const data::CallOptions options{.deadline = deadline_.TightenBy(std::chrono::seconds(5))};
  auto stored = co_await queue_.ReportProgress(id(), percent, options);
  if (!stored) {
    co_return std::move(stored).error();
  }
  co_return Result<void>();
}

}  // namespace keel::jobs
