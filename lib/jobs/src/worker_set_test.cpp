#include "keel/jobs/worker_set.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>

#include "keel/jobs/outbox.hpp"
#include "keel/jobs/sqlite_queue.hpp"
#include "test_support.hpp"

namespace keel::jobs {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

// The consumer's effect, deduplicated by the event: a redelivered job writes nothing twice.
constexpr data::Query kNotify{
    "notify",
    "INSERT INTO notifications (event_key, body) VALUES (?, ?) ON CONFLICT (event_key) DO NOTHING"};

asio::awaitable<void> Sleep(Duration d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
}

// Real time here (the poller's timers); the queue's backoff is shortened instead of faked.
class WorkerSetTest : public ::testing::Test {
 protected:
  WorkerSetTest()
      : queue_(tdb_.db(), {.max_attempts = 3, .timeout = 2s, .backoff = {.base = 1ms, .cap = 5ms}},
               &sink_),
        workers_(queue_,
                 {.queues = {"default", "order_created"},
                  .concurrency = 2,
                  .poll_interval = 20ms,
                  .lease = 3s,
                  .stop_timeout = 2s},
                 &sink_) {}

  JobId Enqueue(JobSpec spec) {
    auto r = testing::Await(io_, queue_.Enqueue(std::move(spec), {}));
    EXPECT_TRUE(r);
    return r ? r->id : 0;
  }
  JobState StateOf(JobId id) { return testing::Await(io_, queue_.Get(id, {}))->state; }
  bool WaitFor(JobId id, JobState state) {
    return testing::RunUntil(
        io_, [&] { return StateOf(id) == state; }, 3s);
  }

  boost::asio::io_context io_;
  testing::TestDatabase tdb_;
  testing::TestSink sink_;
  SqliteJobQueue queue_;
  WorkerSet workers_;
};

TEST_F(WorkerSetTest, RunsHandlersWithTheirJobAndAcknowledges) {
  std::string seen;
  workers_.Register("greet", [&](JobContext& job) -> asio::awaitable<Result<void>> {
    seen = std::string(job.args()) + " attempt " + std::to_string(job.attempt());
    EXPECT_FALSE(job.deadline().IsNever());
    auto progressed = co_await job.ReportProgress(50);
    EXPECT_TRUE(progressed);
    co_return Result<void>();
  });
  workers_.Start({io_.get_executor()});
  const JobId id = Enqueue({.kind = "greet", .args = R"({"to":"ada"})"});
  ASSERT_TRUE(WaitFor(id, JobState::kCompleted));
  EXPECT_EQ(seen, R"({"to":"ada"} attempt 1)");
  EXPECT_TRUE(testing::RunUntil(
      io_, [&] { return sink_.Count("keel_jobs_completed_total", "greet") == 1; }));
  std::optional<bool> drained;
  workers_.Stop([&](bool d) { drained = d; });
  ASSERT_TRUE(testing::RunUntil(io_, [&] { return drained.has_value(); }));
  EXPECT_TRUE(*drained);
}

TEST_F(WorkerSetTest, FailedAttemptIsRetriedUntilItSucceeds) {
  workers_.Register("flaky", [&](JobContext& job) -> asio::awaitable<Result<void>> {
    if (job.attempt() < 3) {
      co_return Error(ErrorCode::kUnavailable, "dependency down");
    }
    co_return Result<void>();
  });
  workers_.Start({io_.get_executor()});
  const JobId id = Enqueue({.kind = "flaky"});
  ASSERT_TRUE(WaitFor(id, JobState::kCompleted));
  EXPECT_EQ(testing::Await(io_, queue_.Get(id, {}))->attempt, 3);
  EXPECT_EQ(sink_.Count("keel_jobs_retries_total", "flaky"), 2u);
}

TEST_F(WorkerSetTest, TimeoutThrowAndUnknownKindAreFailures) {
  workers_.Register("slow", [&](JobContext&) -> asio::awaitable<Result<void>> {
    co_await Sleep(10s);  // cancelled at the job's deadline
    co_return Result<void>();
  });
  workers_.Register("throws", [&](JobContext&) -> asio::awaitable<Result<void>> {
    throw std::runtime_error("bad input");
    co_return Result<void>();
  });
  workers_.Register("invalid", [&](JobContext&) -> asio::awaitable<Result<void>> {
    co_return Error(ErrorCode::kInvalidArgument, "no such customer");
  });
  workers_.Start({io_.get_executor()});
  const JobId slow = Enqueue({.kind = "slow", .max_attempts = 1, .timeout = 50ms});
  const JobId throws = Enqueue({.kind = "throws", .max_attempts = 1});
  const JobId invalid = Enqueue({.kind = "invalid"});
  const JobId unknown = Enqueue({.kind = "nobody", .max_attempts = 1});
  ASSERT_TRUE(WaitFor(slow, JobState::kDiscarded));
  ASSERT_TRUE(WaitFor(throws, JobState::kDiscarded));
  ASSERT_TRUE(WaitFor(invalid, JobState::kDiscarded));  // permanent: on the first attempt
  ASSERT_TRUE(WaitFor(unknown, JobState::kDiscarded));
  EXPECT_EQ(testing::Await(io_, queue_.Get(slow, {}))->last_error, "the job exceeded its timeout");
  EXPECT_EQ(testing::Await(io_, queue_.Get(throws, {}))->last_error, "handler threw: bad input");
  EXPECT_EQ(testing::Await(io_, queue_.Get(invalid, {}))->attempt, 1);
}

TEST_F(WorkerSetTest, ConcurrencyIsLimited) {
  std::atomic<int> now_running{0}, most{0}, done{0};
  workers_.Register("busy", [&](JobContext&) -> asio::awaitable<Result<void>> {
    most = std::max(most.load(), ++now_running);
    co_await Sleep(30ms);
    --now_running;
    ++done;
    co_return Result<void>();
  });
  workers_.Start({io_.get_executor()});
  for (int i = 0; i < 5; ++i) {
    Enqueue({.kind = "busy"});
  }
  ASSERT_TRUE(testing::RunUntil(
      io_, [&] { return done == 5; }, 3s));
  EXPECT_EQ(most, 2);
}

TEST_F(WorkerSetTest, GracefulStopWaitsForTheRunningJob) {
  bool finished = false;
  workers_.Register("report", [&](JobContext&) -> asio::awaitable<Result<void>> {
    co_await Sleep(100ms);
    finished = true;
    co_return Result<void>();
  });
  workers_.Start({io_.get_executor()});
  const JobId id = Enqueue({.kind = "report"});
  ASSERT_TRUE(testing::RunUntil(io_, [&] { return workers_.running() == 1; }));
  std::optional<bool> drained;
  workers_.Stop([&](bool d) { drained = d; });
  const JobId later = Enqueue({.kind = "report"});
  ASSERT_TRUE(testing::RunUntil(io_, [&] { return drained.has_value(); }));
  EXPECT_TRUE(*drained);
  EXPECT_TRUE(finished);
  EXPECT_EQ(StateOf(id), JobState::kCompleted);
  EXPECT_EQ(StateOf(later), JobState::kAvailable);  // not claimed after Stop
}

TEST_F(WorkerSetTest, OutboxConsumerWritesItsEffectOncePerEvent) {
  Outbox outbox;
  OutboxRelay relay(tdb_.db(), queue_, {}, nullptr);
  int deliveries = 0;
  workers_.Register("order_created", [&](JobContext& job) -> asio::awaitable<Result<void>> {
    ++deliveries;
    const data::CallOptions options{.deadline = job.deadline()};
    auto written =
        co_await tdb_.db().Execute(kNotify, data::Params(job.dedupe_key(), job.args()), options);
    if (!written) {
      co_return std::move(written).error();
    }
    // The first delivery "crashes" after its effect, before the ack: the job runs again.
    if (job.attempt() == 1) {
      co_return Error(ErrorCode::kUnavailable, "lost before ack");
    }
    co_return Result<void>();
  });
  workers_.Start({io_.get_executor()});
  ASSERT_TRUE(tdb_.db().TransactionBlocking([&](data::Tx& tx) -> Result<void> {
    auto event = outbox.Add(tx, "order_created", R"({"order_id":42})");
    return event ? Result<void>() : Result<void>(std::move(event).error());
  }));
  ASSERT_TRUE(testing::Await(io_, relay.RelayOnce({})));
  ASSERT_TRUE(testing::RunUntil(io_, [&] { return deliveries == 2 && workers_.running() == 0; }));
  EXPECT_EQ(tdb_.Scalar("SELECT COUNT(*) FROM notifications"), 1);
}

}  // namespace
}  // namespace keel::jobs
