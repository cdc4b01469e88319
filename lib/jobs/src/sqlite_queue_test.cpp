#include "keel/jobs/sqlite_queue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace keel::jobs {
namespace {

using namespace std::chrono_literals;

constexpr data::Query kInsertOrder{"insert_order", "INSERT INTO orders (sku) VALUES (?)"};

class SqliteQueueTest : public ::testing::Test {
 protected:
  explicit SqliteQueueTest(QueueSettings settings = {.max_attempts = 3,
                                                     .backoff = {.base = 10s, .cap = 1h}})
      : queue_(tdb_.db(), settings, &sink_, &clock_) {}

  EnqueueResult Enqueue(JobSpec spec) {
    auto r = testing::Await(io_, queue_.Enqueue(std::move(spec), {}));
    EXPECT_TRUE(r) << (r ? "" : r.error().message());
    return r ? *r : EnqueueResult{};
  }
  std::vector<ClaimedJob> Claim(std::size_t max = 10, Duration lease = 30s) {
    auto r = testing::Await(
        io_, queue_.Claim({"default", "other"}, max, {.worker = "test", .lease = lease}, {}));
    EXPECT_TRUE(r);
    return r ? *r : std::vector<ClaimedJob>{};
  }
  JobRecord Get(JobId id) {
    auto r = testing::Await(io_, queue_.Get(id, {}));
    EXPECT_TRUE(r);
    return r ? *r : JobRecord{};
  }
  FailOutcome Fail(const ClaimedJob& job, bool permanent = false) {
    auto r = testing::Await(io_, queue_.Fail(job, "boom", permanent, {}));
    EXPECT_TRUE(r);
    return r ? *r : FailOutcome{};
  }
  bool Complete(const ClaimedJob& job) {
    auto r = testing::Await(io_, queue_.Complete(job, {}));
    EXPECT_TRUE(r);
    return r && *r;
  }
  MaintenanceResult Maintain() {
    auto r = testing::Await(io_, queue_.Maintain({}));
    EXPECT_TRUE(r);
    return r ? *r : MaintenanceResult{};
  }

  boost::asio::io_context io_;
  ManualClock clock_;
  testing::TestDatabase tdb_;
  testing::TestSink sink_;
  SqliteJobQueue queue_;
};

TEST_F(SqliteQueueTest, EnqueueInsideACommittedTransactionIsVisible) {
  std::optional<EnqueueResult> job;
  ASSERT_TRUE(tdb_.db().TransactionBlocking([&](data::Tx& tx) -> Result<void> {
    (void)tx.Execute(kInsertOrder, data::Params("A-1"));
    auto r = queue_.Enqueue(tx, {.kind = "send_receipt", .args = R"({"order":1})"});
    if (!r) {
      return std::move(r).error();
    }
    job = *r;
    return {};
  }));
  const JobRecord stored = Get(job->id);
  EXPECT_EQ(stored.state, JobState::kAvailable);
  EXPECT_EQ(stored.args, R"({"order":1})");
  EXPECT_EQ(stored.max_attempts, 3);
  EXPECT_EQ(stored.timeout_ms, 60000);
}

TEST_F(SqliteQueueTest, EnqueueInsideARolledBackTransactionLeavesNoJob) {
  auto done = tdb_.db().TransactionBlocking([&](data::Tx& tx) -> Result<void> {
    (void)tx.Execute(kInsertOrder, data::Params("A-1"));
    (void)queue_.Enqueue(tx, {.kind = "send_receipt"});
    return Error(ErrorCode::kConflict, "business rule failed");
  });
  EXPECT_FALSE(done);
  EXPECT_TRUE(Claim().empty());
  EXPECT_EQ(tdb_.Scalar("SELECT COUNT(*) FROM keel_jobs"), 0);
}

TEST_F(SqliteQueueTest, BadSpecsAreRefused) {
  for (const JobSpec& spec : {JobSpec{.kind = ""}, JobSpec{.kind = "k", .args = "{not json"},
                              JobSpec{.kind = "k", .priority = 9}}) {
    auto r = testing::Await(io_, queue_.Enqueue(spec, {}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST_F(SqliteQueueTest, ClaimLeasesAndAckCompletes) {
  const JobId id = Enqueue({.kind = "k"}).id;
  auto claimed = Claim();
  ASSERT_EQ(claimed.size(), 1u);
  const JobRecord& job = claimed[0].job;
  EXPECT_EQ(job.id, id);
  EXPECT_EQ(job.state, JobState::kRunning);
  EXPECT_EQ(job.attempt, 1);
  EXPECT_EQ(job.attempted_by, "test");
  EXPECT_EQ(job.lease_expires_at - job.attempted_at, 30000);
  EXPECT_TRUE(Claim().empty());  // a leased job is invisible to other claims
  EXPECT_TRUE(Complete(claimed[0]));
  const JobRecord done = Get(id);
  EXPECT_EQ(done.state, JobState::kCompleted);
  EXPECT_EQ(done.progress, 100);
  EXPECT_NE(done.finalized_at, 0);
  EXPECT_FALSE(Complete(claimed[0]));  // acknowledged once
}

TEST_F(SqliteQueueTest, FailureRetriesAfterAFullJitterBackoff) {
  queue_.SetRandomForTest([] { return 0.5; });
  const JobId id = Enqueue({.kind = "k"}).id;
  auto first = Claim();
  const FailOutcome failed = Fail(first.at(0));
  EXPECT_EQ(failed.state, JobState::kRetryable);
  const JobRecord waiting = Get(id);
  EXPECT_EQ(waiting.state, JobState::kRetryable);
  EXPECT_EQ(waiting.last_error, "boom");
  EXPECT_EQ(waiting.scheduled_at - first[0].job.attempted_at, 5000);  // 0.5 * 10s * 2^0
  clock_.Advance(4999ms);
  EXPECT_TRUE(Claim().empty());
  clock_.Advance(1ms);
  auto second = Claim();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].job.attempt, 2);
  // The second backoff lies in [0, 20 s]: check both ends of the jitter.
  queue_.SetRandomForTest([] { return 0.999; });
  EXPECT_EQ(Fail(second[0]).retry_at - second[0].job.attempted_at, 19980);
  EXPECT_EQ(BackoffCeiling({.base = 10s, .cap = 1h}, 2), 20s);
  EXPECT_EQ(BackoffCeiling({.base = 10s, .cap = 1h}, 60), 1h);
  EXPECT_EQ(FullJitterBackoff({.base = 10s, .cap = 1h}, 3, 0.0), 0s);
}

TEST_F(SqliteQueueTest, LastAttemptFailureIsDeadWithTheLastErrorKept) {
  const JobId id = Enqueue({.kind = "k", .max_attempts = 2}).id;
  queue_.SetRandomForTest([] { return 0.0; });
  Fail(Claim().at(0));
  auto last = Claim();
  ASSERT_EQ(last.size(), 1u);
  auto r = testing::Await(io_, queue_.Fail(last[0], "still broken", false, {}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, JobState::kDiscarded);
  const JobRecord dead = Get(id);
  EXPECT_EQ(dead.state, JobState::kDiscarded);
  EXPECT_EQ(dead.last_error, "still broken");
  EXPECT_EQ(dead.attempt, 2);
  EXPECT_NE(dead.finalized_at, 0);
  EXPECT_TRUE(Claim().empty());
}

TEST_F(SqliteQueueTest, PermanentErrorDiscardsAtOnce) {
  const JobId id = Enqueue({.kind = "k"}).id;
  EXPECT_EQ(Fail(Claim().at(0), true).state, JobState::kDiscarded);
  EXPECT_EQ(Get(id).attempt, 1);
}

TEST_F(SqliteQueueTest, ExpiredLeaseIsRedeliveredAndTheOldHolderLocksOut) {
  const JobId id = Enqueue({.kind = "k"}).id;
  auto lost = Claim(10, 30s);
  clock_.Advance(29s);
  EXPECT_EQ(Maintain().rescued, 0);
  clock_.Advance(1s);
  EXPECT_EQ(Maintain().rescued, 1);
  auto again = Claim();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].job.id, id);
  EXPECT_EQ(again[0].job.attempt, 2);
  EXPECT_FALSE(Complete(lost.at(0)));         // the dead worker's late ack changes nothing
  EXPECT_FALSE(Fail(lost.at(0)).lease_held);  // nor does its failure
  EXPECT_TRUE(Complete(again[0]));
}

TEST_F(SqliteQueueTest, RenewedLeaseIsNotRescued) {
  Enqueue({.kind = "k"});
  auto held = Claim(10, 30s);
  clock_.Advance(20s);
  auto renewed = testing::Await(io_, queue_.ExtendLeases(held, 30s, {}));
  ASSERT_TRUE(renewed);
  EXPECT_EQ(*renewed, 1u);
  clock_.Advance(20s);
  EXPECT_EQ(Maintain().rescued, 0);
}

TEST_F(SqliteQueueTest, ExpiredLeaseOnTheLastAttemptIsDead) {
  const JobId id = Enqueue({.kind = "k", .max_attempts = 1}).id;
  Claim(10, 10s);
  clock_.Advance(10s);
  EXPECT_EQ(Maintain().dead, 1);
  EXPECT_EQ(Get(id).state, JobState::kDiscarded);
  EXPECT_NE(Get(id).last_error.find("lease expired"), std::string::npos);
}

TEST_F(SqliteQueueTest, UniqueJobsDeduplicateWhilePending) {
  const EnqueueResult first = Enqueue({.kind = "k", .dedupe_key = "report:2024-05"});
  const EnqueueResult dup = Enqueue({.kind = "k", .dedupe_key = "report:2024-05"});
  EXPECT_EQ(dup.id, first.id);
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(sink_.Count("keel_jobs_duplicates_total", "default"), 1u);
  EXPECT_FALSE(Enqueue({.queue = "other", .kind = "k", .dedupe_key = "report:2024-05"}).duplicate);
  auto claimed = Claim(1);
  EXPECT_TRUE(Enqueue({.kind = "k", .dedupe_key = "report:2024-05"}).duplicate);  // running
  EXPECT_TRUE(Complete(claimed.at(0)));
  const EnqueueResult after = Enqueue({.kind = "k", .dedupe_key = "report:2024-05"});
  EXPECT_FALSE(after.duplicate);  // a finished job frees its key
  EXPECT_NE(after.id, first.id);
}

TEST_F(SqliteQueueTest, DedupeCompletedKeepsTheKeyAfterCompletion) {
  const JobSpec spec{.kind = "k", .dedupe_key = "outbox:7", .dedupe_completed = true};
  const JobId id = Enqueue(spec).id;
  EXPECT_TRUE(Complete(Claim().at(0)));
  const EnqueueResult again = Enqueue(spec);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, id);
}

TEST_F(SqliteQueueTest, PrioritiesOrderClaims) {
  const JobId low = Enqueue({.kind = "k", .priority = 4}).id;
  const JobId high_a = Enqueue({.kind = "k", .priority = 1}).id;
  const JobId mid = Enqueue({.kind = "k", .priority = 2}).id;
  const JobId high_b = Enqueue({.kind = "k", .priority = 1}).id;
  EXPECT_EQ(Claim(1).at(0).job.id, high_a);
  auto rest = Claim(10);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].job.id, high_b);
  EXPECT_EQ(rest[1].job.id, mid);
  EXPECT_EQ(rest[2].job.id, low);
}

TEST_F(SqliteQueueTest, ScheduledJobsWaitUntilDue) {
  const JobId id = Enqueue({.kind = "k", .delay = 10s}).id;
  EXPECT_EQ(Get(id).state, JobState::kScheduled);
  EXPECT_TRUE(Claim().empty());
  clock_.Advance(10s);
  EXPECT_EQ(Claim().at(0).job.id, id);
}

TEST_F(SqliteQueueTest, ProgressIsStoredForRunningJobs) {
  const JobId id = Enqueue({.kind = "k"}).id;
  auto not_running = testing::Await(io_, queue_.ReportProgress(id, 10, {}));
  ASSERT_TRUE(not_running);
  EXPECT_FALSE(*not_running);
  Claim();
  EXPECT_TRUE(*testing::Await(io_, queue_.ReportProgress(id, 40, {})));
  EXPECT_EQ(Get(id).progress, 40);
  EXPECT_EQ(testing::Await(io_, queue_.ReportProgress(id, 101, {})).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(SqliteQueueTest, DepthCountsJobsByQueueAndState) {
  Enqueue({.kind = "k"});
  Enqueue({.kind = "k"});
  Enqueue({.kind = "k", .delay = 1h});
  clock_.Advance(3s);
  Claim(1);
  auto depth = testing::Await(io_, queue_.Depth({}));
  ASSERT_TRUE(depth);
  ASSERT_EQ(depth->size(), 1u);
  const QueueDepth& d = (*depth)[0];
  EXPECT_EQ(d.queue, "default");
  EXPECT_EQ(d.count[static_cast<int>(JobState::kAvailable)], 1);
  EXPECT_EQ(d.count[static_cast<int>(JobState::kRunning)], 1);
  EXPECT_EQ(d.count[static_cast<int>(JobState::kScheduled)], 1);
  EXPECT_EQ(d.oldest_available_age, 3s);
}

TEST_F(SqliteQueueTest, AdminRetryRevivesADeadJob) {
  const JobId id = Enqueue({.kind = "k", .max_attempts = 1}).id;
  Fail(Claim().at(0));
  ASSERT_EQ(Get(id).state, JobState::kDiscarded);
  auto retried = testing::Await(io_, queue_.Retry(id, {}));
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->state, JobState::kAvailable);
  EXPECT_EQ(retried->max_attempts, 2);  // one more attempt
  auto claimed = Claim();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].job.attempt, 2);
  auto running = testing::Await(io_, queue_.Retry(id, {}));
  EXPECT_EQ(running.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(testing::Await(io_, queue_.Retry(9999, {})).error().code(), ErrorCode::kNotFound);
}

TEST_F(SqliteQueueTest, AdminDiscardDeadLettersThenDismisses) {
  const JobId id = Enqueue({.kind = "k"}).id;
  auto discarded = testing::Await(io_, queue_.Discard(id, {}));
  ASSERT_TRUE(discarded);
  EXPECT_EQ(discarded->state, JobState::kDiscarded);
  EXPECT_EQ(discarded->last_error, "discarded by an operator");
  auto dismissed = testing::Await(io_, queue_.Discard(id, {}));
  ASSERT_TRUE(dismissed);
  EXPECT_EQ(dismissed->state, JobState::kCancelled);
  EXPECT_EQ(testing::Await(io_, queue_.Discard(id, {})).error().code(), ErrorCode::kConflict);
}

TEST_F(SqliteQueueTest, MaintenancePrunesOldFinishedJobs) {
  const JobId done = Enqueue({.kind = "k"}).id;
  EXPECT_TRUE(Complete(Claim().at(0)));
  const JobId dead = Enqueue({.kind = "k"}).id;
  Fail(Claim().at(0), true);
  clock_.Advance(24h);
  EXPECT_EQ(Maintain().pruned, 1);
  EXPECT_EQ(testing::Await(io_, queue_.Get(done, {})).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(Get(dead).state, JobState::kDiscarded);  // dead letters are kept a week
}

class BoundedQueueTest : public SqliteQueueTest {
 protected:
  BoundedQueueTest() : SqliteQueueTest({.max_depth = 2, .overload_retry_after = 7s}) {}
};

TEST_F(BoundedQueueTest, EnqueuePastMaxDepthIsRefusedWithRetryAfter) {
  Enqueue({.kind = "k"});
  Enqueue({.kind = "k"});
  auto refused = testing::Await(io_, queue_.Enqueue({.kind = "k"}, {}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kOverloaded);
  EXPECT_EQ(refused.error().retry_after(), std::chrono::seconds(7));
  EXPECT_EQ(sink_.Count("keel_jobs_enqueue_refused_total", "default"), 1u);
  // The business change of a refused enqueue rolls back with it.
  auto done = tdb_.db().TransactionBlocking([&](data::Tx& tx) -> Result<void> {
    (void)tx.Execute(kInsertOrder, data::Params("A-1"));
    auto r = queue_.Enqueue(tx, {.kind = "k"});
    return r ? Result<void>() : Result<void>(std::move(r).error());
  });
  EXPECT_EQ(done.error().code(), ErrorCode::kOverloaded);
  EXPECT_EQ(tdb_.Scalar("SELECT COUNT(*) FROM orders"), 0);
  // Finished jobs leave the depth.
  EXPECT_TRUE(Complete(Claim(1).at(0)));
  EXPECT_TRUE(testing::Await(io_, queue_.Enqueue({.kind = "k"}, {})));
  EXPECT_TRUE(testing::Await(io_, queue_.Enqueue({.queue = "other", .kind = "k"}, {})));
}

}  // namespace
}  // namespace keel::jobs
