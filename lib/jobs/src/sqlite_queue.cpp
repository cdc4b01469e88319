#include "keel/jobs/sqlite_queue.hpp"

#include <boost/json/parse.hpp>
#include <string>
#include <utility>

#include "queue_sql.hpp"
#include "sqlite_queue_impl.hpp"

namespace keel::jobs {

namespace {
Error Invalid(std::string what) {
  return Error(ErrorCode::kInvalidArgument, std::move(what));
}

Result<void> ValidateSpec(const JobSpec& spec) {
  if (spec.queue.empty() || spec.kind.empty()) {
    return Invalid("a job needs a queue and a kind");
  }
  if (spec.priority < kHighestPriority || spec.priority > kLowestPriority) {
    return Invalid("job priority must be within 1..4, not " + std::to_string(spec.priority));
  }
  if ((spec.max_attempts && *spec.max_attempts < 1) ||
      (spec.timeout && *spec.timeout <= Duration::zero()) || spec.delay < Duration::zero()) {
    return Invalid("job max_attempts must be >= 1, timeout > 0 and delay >= 0");
  }
  boost::system::error_code ec;
  (void)boost::json::parse(spec.args, ec);
  if (ec) {
    return Invalid("job args must be JSON: " + ec.message());
  }
  return {};
}

std::int64_t Ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}
}  // namespace

Result<void> ValidateQueueSettings(const QueueSettings& s) {
  if (s.max_attempts < 1 || s.max_depth < 1 || s.prune_batch < 1) {
    return Invalid("jobs max_attempts, max_depth and prune_batch must be positive");
  }
  if (s.timeout <= Duration::zero() || s.backoff.base <= Duration::zero() ||
      s.backoff.cap < s.backoff.base) {
    return Invalid("jobs timeout and backoff_base must be positive, backoff_cap >= backoff_base");
  }
  return {};
}

// --- Impl ------------------------------------------------------------------------------------

SqliteJobQueue::Impl::Impl(data::Database& database, QueueSettings s, MetricSink* sink,
                           const Clock* clock)
    : db(database),
      settings(std::move(s)),
      sink_(sink != nullptr ? *sink : own_sink_),
      wall_(clock != nullptr ? *clock : steady_),
      rng_(std::random_device{}()) {}

double SqliteJobQueue::Impl::Uniform01() {
  std::lock_guard lock(mutex_);
  if (random_for_test_) {
    return random_for_test_();
  }
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

void SqliteJobQueue::Impl::Notify(std::string_view queue) {
  std::lock_guard lock(mutex_);
  for (const auto& [handle, listener] : listeners_) {
    listener(queue);
  }
}

SqliteJobQueue::Impl::QueueCounters& SqliteJobQueue::Impl::CountersFor(const std::string& queue) {
  std::lock_guard lock(mutex_);
  auto it = counters_.find(queue);
  if (it == counters_.end()) {
    const MetricLabels labels{{"queue", queue}};
    QueueCounters c{
        &sink_.GetCounter("keel_jobs_enqueued_total", "Jobs enqueued", labels),
        &sink_.GetCounter("keel_jobs_enqueue_refused_total",
                          "Enqueues refused because the queue was at its max depth", labels),
        &sink_.GetCounter("keel_jobs_duplicates_total",
                          "Enqueues of a unique job that returned the pending one", labels)};
    it = counters_.emplace(queue, c).first;
  }
  return it->second;
}

// --- SqliteJobQueue ----------------------------------------------------------------------------

SqliteJobQueue::SqliteJobQueue(data::Database& db, QueueSettings settings, MetricSink* sink,
                               const Clock* clock)
    : impl_(std::make_unique<Impl>(db, std::move(settings), sink, clock)) {}

SqliteJobQueue::~SqliteJobQueue() = default;

const QueueSettings& SqliteJobQueue::settings() const noexcept {
  return impl_->settings;
}

void SqliteJobQueue::SetRandomForTest(std::function<double()> uniform01) {
  std::lock_guard lock(impl_->mutex_);
  impl_->random_for_test_ = std::move(uniform01);
}

Result<EnqueueResult> SqliteJobQueue::Enqueue(data::Tx& tx, const JobSpec& spec) {
  if (auto valid = ValidateSpec(spec); !valid) {
    return std::move(valid).error();
  }
  auto& counters = impl_->CountersFor(spec.queue);
  // A duplicate is answered before the depth check: it adds nothing to the queue.
  if (!spec.dedupe_key.empty()) {
    auto existing = tx.Query(detail::kFindUnique, data::Params(spec.queue, spec.dedupe_key));
    if (!existing) {
      return std::move(existing).error();
    }
    if (!existing->empty()) {
      counters.duplicates->Add();
      return EnqueueResult{.id = (*existing)[0].Int(0), .duplicate = true};
    }
  }
  auto pending = tx.Query(detail::kPendingCount, data::Params(spec.queue));
  if (!pending) {
    return std::move(pending).error();
  }
  if ((*pending)[0].Int(0) >= impl_->settings.max_depth) {
    counters.refused->Add();
    return Error(ErrorCode::kOverloaded, "job queue " + spec.queue + " is full (" +
                                             std::to_string(impl_->settings.max_depth) +
                                             " pending jobs); retry later")
        .WithRetryAfter(impl_->settings.overload_retry_after);
  }
  const std::int64_t now = impl_->NowMs();
  const data::SqlValue dedupe =
      spec.dedupe_key.empty() ? data::SqlValue() : data::SqlValue(spec.dedupe_key);
  auto inserted = tx.Execute(
      detail::kInsertJob,
      data::Params(spec.queue, spec.kind, spec.args,
                   spec.delay > Duration::zero() ? "scheduled" : "available", spec.priority,
                   spec.max_attempts.value_or(impl_->settings.max_attempts), dedupe,
                   spec.dedupe_completed, now, now + Ms(spec.delay),
                   Ms(spec.timeout.value_or(impl_->settings.timeout))));
  if (!inserted) {
    return std::move(inserted).error();
  }
  counters.enqueued->Add();
  // Safe before COMMIT: a poller's claim runs on the same single writer, after this transaction.
  impl_->Notify(spec.queue);
  return EnqueueResult{.id = inserted->last_insert_id};
}

boost::asio::awaitable<Result<EnqueueResult>> SqliteJobQueue::Enqueue(JobSpec spec,
                                                                      data::CallOptions options) {
  std::optional<EnqueueResult> out;
  auto done = co_await impl_->db.Transaction(
      [&](data::Tx& tx) -> Result<void> {
        auto enqueued = Enqueue(tx, spec);
        if (!enqueued) {
          return std::move(enqueued).error();
        }
        out = *enqueued;
        return {};
      },
      options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return *out;
}

std::uint64_t SqliteJobQueue::AddListener(std::function<void(std::string_view)> listener) {
  std::lock_guard lock(impl_->mutex_);
  const std::uint64_t handle = impl_->next_listener_++;
  impl_->listeners_.emplace(handle, std::move(listener));
  return handle;
}

void SqliteJobQueue::RemoveListener(std::uint64_t handle) {
  std::lock_guard lock(impl_->mutex_);
  impl_->listeners_.erase(handle);
}

}  // namespace keel::jobs
