// SqliteJobQueue: the worker side (claim, ack, fail, leases, progress) and maintenance.
#include <algorithm>
#include <tuple>

#include "job_row.hpp"
#include "keel/jobs/sqlite_queue.hpp"
#include "queue_sql.hpp"
#include "sqlite_queue_impl.hpp"
#include "token.hpp"

namespace keel::jobs {

namespace asio = boost::asio;

namespace {
std::int64_t Ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

Result<void> ClaimFrom(data::Tx& tx, const std::string& queue, std::size_t max,
                       const ClaimOptions& claim, const std::string& token, std::int64_t now,
                       std::vector<ClaimedJob>& out) {
  auto rows = tx.Query(detail::kClaim, data::Params(now, claim.worker, token, now + Ms(claim.lease),
                                                    queue, static_cast<std::int64_t>(max)));
  if (!rows) {
    return std::move(rows).error();
  }
  for (const data::Row& row : *rows) {
    out.push_back(ClaimedJob{detail::ReadJob(row), token});
  }
  return {};
}
}  // namespace

asio::awaitable<Result<std::vector<ClaimedJob>>> SqliteJobQueue::Claim(
    std::vector<std::string> queues, std::size_t max, ClaimOptions claim,
    data::CallOptions options) {
  std::vector<ClaimedJob> claimed;
  // Idle pollers poll often; checking on a reader first keeps them off the single writer.
  auto due = co_await impl_->db.Query(detail::kAnyDue, data::Params(impl_->NowMs()), options);
  if (!due) {
    co_return std::move(due).error();
  }
  if ((*due)[0].Int(0) == 0) {
    co_return claimed;
  }
  auto done = co_await impl_->db.Transaction(
      [&](data::Tx& tx) -> Result<void> {
        const std::int64_t now = impl_->NowMs();
        if (auto promoted = tx.Execute(detail::kPromoteDue, data::Params(now)); !promoted) {
          return std::move(promoted).error();
        }
        const std::string token = detail::RandomToken();
        for (const std::string& queue : queues) {
          if (claimed.size() >= max) {
            break;
          }
          auto r = ClaimFrom(tx, queue, max - claimed.size(), claim, token, now, claimed);
          if (!r) {
            return r;
          }
        }
        return {};
      },
      options);
  if (!done) {
    co_return std::move(done).error();
  }
  // RETURNING gives no order; run the most urgent first.
  std::sort(claimed.begin(), claimed.end(), [](const ClaimedJob& a, const ClaimedJob& b) {
    return std::tie(a.job.priority, a.job.scheduled_at, a.job.id) <
           std::tie(b.job.priority, b.job.scheduled_at, b.job.id);
  });
  co_return claimed;
}

asio::awaitable<Result<bool>> SqliteJobQueue::Complete(ClaimedJob job, data::CallOptions options) {
  auto params = data::Params(impl_->NowMs(), job.job.id, job.lease_token);
  auto done = co_await impl_->db.Execute(detail::kComplete, std::move(params), options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return done->rows_affected == 1;
}

asio::awaitable<Result<FailOutcome>> SqliteJobQueue::Fail(ClaimedJob job, std::string error,
                                                          bool permanent,
                                                          data::CallOptions options) {
  const std::int64_t now = impl_->NowMs();
  FailOutcome outcome;
  const bool dead = permanent || job.job.attempt >= job.job.max_attempts;
  outcome.state = dead ? JobState::kDiscarded : JobState::kRetryable;
  outcome.retry_at = dead ? 0
                          : now + Ms(FullJitterBackoff(impl_->settings.backoff, job.job.attempt,
                                                       impl_->Uniform01()));
  auto params = data::Params(JobStateName(outcome.state), dead ? now : outcome.retry_at,
                             dead ? data::SqlValue(now) : data::SqlValue(), std::move(error),
                             job.job.id, job.lease_token);
  auto done = co_await impl_->db.Execute(detail::kFail, std::move(params), options);
  if (!done) {
    co_return std::move(done).error();
  }
  outcome.lease_held = done->rows_affected == 1;
  co_return outcome;
}

asio::awaitable<Result<std::size_t>> SqliteJobQueue::ExtendLeases(std::vector<ClaimedJob> jobs,
                                                                  Duration lease,
                                                                  data::CallOptions options) {
  std::size_t extended = 0;
  auto done = co_await impl_->db.Transaction(
      [&](data::Tx& tx) -> Result<void> {
        const std::int64_t until = impl_->NowMs() + Ms(lease);
        for (const ClaimedJob& job : jobs) {
          auto r =
              tx.Execute(detail::kExtendLease, data::Params(until, job.job.id, job.lease_token));
          if (!r) {
            return std::move(r).error();
          }
          extended += static_cast<std::size_t>(r->rows_affected);
        }
        return {};
      },
      options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return extended;
}

asio::awaitable<Result<bool>> SqliteJobQueue::ReportProgress(JobId id, int percent,
                                                             data::CallOptions options) {
  if (percent < 0 || percent > 100) {
    co_return Error(ErrorCode::kInvalidArgument, "job progress must be within 0..100");
  }
  auto done = co_await impl_->db.Execute(detail::kProgress, data::Params(percent, id), options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return done->rows_affected == 1;
}

asio::awaitable<Result<MaintenanceResult>> SqliteJobQueue::Maintain(data::CallOptions options) {
  MaintenanceResult result;
  const std::int64_t now = impl_->NowMs();
  auto rescued = co_await impl_->db.Transaction(
      [&](data::Tx& tx) -> Result<void> {
        auto rows = tx.Query(detail::kRescue, data::Params(now));
        if (!rows) {
          return std::move(rows).error();
        }
        for (const data::Row& row : *rows) {
          ++(row.Text(0) == "discarded" ? result.dead : result.rescued);
        }
        return {};
      },
      options);
  if (!rescued) {
    co_return std::move(rescued).error();
  }
  const auto& s = impl_->settings;
  auto params = data::Params(now - Ms(s.keep_completed), now - Ms(s.keep_discarded), s.prune_batch);
  auto pruned = co_await impl_->db.Execute(detail::kPrune, std::move(params), options);
  if (!pruned) {
    co_return std::move(pruned).error();
  }
  result.pruned = pruned->rows_affected;
  co_return result;
}

}  // namespace keel::jobs
