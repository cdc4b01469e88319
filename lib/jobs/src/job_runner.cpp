// A claimed job's life in this process: run the handler under its deadline, settle the outcome.
#include <exception>
#include <string>

#include "keel/core/with_deadline.hpp"
#include "worker_state.hpp"

namespace keel::jobs {

namespace asio = boost::asio;

namespace {
// An exception from user code becomes a failed attempt instead of ending the process.
asio::awaitable<Result<void>> InvokeSafely(const JobHandler& handler, JobContext& ctx) {
  std::string failure;
  try {
    co_return co_await handler(ctx);
  } catch (const std::exception& e) {
    failure = std::string("handler threw: ") + e.what();
  } catch (...) {
    failure = "handler threw a non-exception";
  }
  co_return Error(ErrorCode::kInternal, std::move(failure));
}

asio::awaitable<Result<void>> Execute(const WorkerSet::State& s, JobContext& ctx) {
  auto handler = s.handlers.find(ctx.kind());
  if (handler == s.handlers.end()) {
    co_return Error(ErrorCode::kUnavailable,
                    "no handler for job kind " + std::string(ctx.kind()) + " in this worker");
  }
  // Past the deadline the handler's waits are cancelled and it unwinds.
  auto outcome = co_await WithDeadline(ctx.deadline(), InvokeSafely(handler->second, ctx));
  if (!outcome) {
    co_return Error(ErrorCode::kDeadlineExceeded, "the job exceeded its timeout");
  }
  co_return std::move(*outcome);
}

// Errors that say the job can never succeed: retrying would only delay the dead letter.
bool IsPermanent(const Error& e) noexcept {
  return e.code() == ErrorCode::kInvalidArgument || e.code() == ErrorCode::kUnprocessable;
}

asio::awaitable<void> Acknowledge(WorkerSet::State& s, const ClaimedJob& job, const KindMetrics& m,
                                  data::CallOptions options) {
  auto done = co_await s.queue.Complete(job, options);
  if (!done) {
    s.poll_errors.Add();  // not acknowledged: the lease expires and the job runs again
  } else if (!*done) {
    s.lease_lost.Add();
  } else {
    m.completed->Add();
  }
}

asio::awaitable<void> RecordFailure(WorkerSet::State& s, const ClaimedJob& job, const Error& error,
                                    const KindMetrics& m, data::CallOptions options) {
  m.failures->Add();
  auto failed = co_await s.queue.Fail(job, error.message(), IsPermanent(error), options);
  if (!failed) {
    s.poll_errors.Add();
  } else if (!failed->lease_held) {
    s.lease_lost.Add();
  } else {
    (failed->state == JobState::kDiscarded ? m.dead : m.retries)->Add();
  }
}
}  // namespace

asio::awaitable<void> RunJob(std::shared_ptr<WorkerSet::State> s, ClaimedJob job,
                             Deadline deadline) {
  const TimePoint started = std::chrono::steady_clock::now();
  const KindMetrics& m = s->MetricsFor(job.job.kind);
  JobContext ctx(s->queue, job, deadline);
  Result<void> outcome = co_await Execute(*s, ctx);
  m.processing->Record(std::chrono::steady_clock::now() - started);
  const data::CallOptions options{.deadline = Deadline::After(s->settings.call_timeout)};
  if (outcome) {
    co_await Acknowledge(*s, job, m, options);
  } else {
    co_await RecordFailure(*s, job, outcome.error(), m, options);
  }
  s->Finished(job.job.id);
}

}  // namespace keel::jobs
