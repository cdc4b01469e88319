// SqliteJobQueue: observation (depth, get, list) and the operator's retry and discard.
#include <algorithm>
#include <map>

#include "job_row.hpp"
#include "keel/jobs/sqlite_queue.hpp"
#include "queue_sql.hpp"
#include "sqlite_queue_impl.hpp"

namespace keel::jobs {

namespace asio = boost::asio;

namespace {
constexpr data::Query kStateOf{"jobs_state_of", "SELECT state FROM keel_jobs WHERE id = ?"};

Error NotFound(JobId id) {
  return Error(ErrorCode::kNotFound, "no job with id " + std::to_string(id));
}

Result<JobRecord> GetInTx(data::Tx& tx, JobId id) {
  auto rows = tx.Query(detail::kGetJob, data::Params(id));
  if (!rows) {
    return std::move(rows).error();
  }
  if (rows->empty()) {
    return NotFound(id);
  }
  return detail::ReadJob((*rows)[0]);
}

// Loads the job's state, lets `change` act on it, then returns the job as it is now.
Result<JobRecord> ChangeJob(data::Tx& tx, JobId id,
                            const std::function<Result<void>(JobState)>& change) {
  auto rows = tx.Query(kStateOf, data::Params(id));
  if (!rows) {
    return std::move(rows).error();
  }
  if (rows->empty()) {
    return NotFound(id);
  }
  const JobState state = ParseJobState((*rows)[0].Text(0)).value_or(JobState::kDiscarded);
  if (auto changed = change(state); !changed) {
    return std::move(changed).error();
  }
  return GetInTx(tx, id);
}

Error Conflict(JobId id, JobState state, std::string_view action) {
  return Error(ErrorCode::kConflict, "job " + std::to_string(id) + " is " +
                                         std::string(JobStateName(state)) + "; it cannot be " +
                                         std::string(action));
}
}  // namespace

asio::awaitable<Result<std::vector<QueueDepth>>> SqliteJobQueue::Depth(data::CallOptions options) {
  data::SqlParams none;
  auto counts = co_await impl_->db.Query(detail::kCounts, none, options);
  if (!counts) {
    co_return std::move(counts).error();
  }
  auto oldest = co_await impl_->db.Query(detail::kOldestAvailable, none, options);
  if (!oldest) {
    co_return std::move(oldest).error();
  }
  std::map<std::string, QueueDepth, std::less<>> by_queue;
  for (const data::Row& row : *counts) {
    QueueDepth& d = by_queue[std::string(row.Text(0))];
    if (auto state = ParseJobState(row.Text(1))) {
      d.count[static_cast<std::size_t>(*state)] = row.Int(2);
    }
  }
  const std::int64_t now = impl_->NowMs();
  for (const data::Row& row : *oldest) {
    by_queue[std::string(row.Text(0))].oldest_available_age =
        std::chrono::milliseconds(std::max<std::int64_t>(0, now - row.Int(1)));
  }
  std::vector<QueueDepth> out;
  for (auto& [queue, depth] : by_queue) {
    depth.queue = queue;
    out.push_back(std::move(depth));
  }
  co_return out;
}

asio::awaitable<Result<JobRecord>> SqliteJobQueue::Get(JobId id, data::CallOptions options) {
  auto rows = co_await impl_->db.Query(detail::kGetJob, data::Params(id), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  if (rows->empty()) {
    co_return NotFound(id);
  }
  co_return detail::ReadJob((*rows)[0]);
}

asio::awaitable<Result<std::vector<JobRecord>>> SqliteJobQueue::List(JobFilter filter,
                                                                     data::CallOptions options) {
  auto params =
      data::Params(filter.state ? data::SqlValue(JobStateName(*filter.state)) : data::SqlValue(),
                   filter.queue ? data::SqlValue(*filter.queue) : data::SqlValue(),
                   static_cast<std::int64_t>(std::clamp<std::size_t>(filter.limit, 1, 1000)));
  auto rows = co_await impl_->db.Query(detail::kListJobs, std::move(params), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  std::vector<JobRecord> jobs;
  jobs.reserve(rows->size());
  for (const data::Row& row : *rows) {
    jobs.push_back(detail::ReadJob(row));
  }
  co_return jobs;
}

asio::awaitable<Result<JobRecord>> SqliteJobQueue::Retry(JobId id, data::CallOptions options) {
  std::optional<JobRecord> out;
  auto done = co_await impl_->db.Transaction(
      [&](data::Tx& tx) -> Result<void> {
        auto job = ChangeJob(tx, id, [&](JobState state) -> Result<void> {
          if (state == JobState::kRunning || state == JobState::kCompleted) {
            return Conflict(id, state, "retried");
          }
          if (state == JobState::kAvailable) {
            return {};
          }
          auto r = tx.Execute(detail::kRetryJob, data::Params(impl_->NowMs(), id));
          return r ? Result<void>() : Result<void>(std::move(r).error());
        });
        if (!job) {
          return std::move(job).error();
        }
        out = std::move(*job);
        return {};
      },
      options);
  if (!done) {
    co_return std::move(done).error();
  }
  impl_->Notify(out->queue);
  co_return std::move(*out);
}

asio::awaitable<Result<JobRecord>> SqliteJobQueue::Discard(JobId id, data::CallOptions options) {
  std::optional<JobRecord> out;
  auto done = co_await impl_->db.Transaction(
      [&](data::Tx& tx) -> Result<void> {
        auto job = ChangeJob(tx, id, [&](JobState state) -> Result<void> {
          if (state == JobState::kRunning || state == JobState::kCompleted ||
              state == JobState::kCancelled) {
            return Conflict(id, state, "discarded");
          }
          // A waiting job goes to the dead letters; a dead one is dismissed.
          const JobState next =
              state == JobState::kDiscarded ? JobState::kCancelled : JobState::kDiscarded;
          auto r =
              tx.Execute(detail::kDiscardJob, data::Params(JobStateName(next), impl_->NowMs(), id));
          return r ? Result<void>() : Result<void>(std::move(r).error());
        });
        if (!job) {
          return std::move(job).error();
        }
        out = std::move(*job);
        return {};
      },
      options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return std::move(*out);
}

}  // namespace keel::jobs
