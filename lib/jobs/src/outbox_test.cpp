#include "keel/jobs/outbox.hpp"

#include <gtest/gtest.h>

#include <string>

#include "keel/jobs/sqlite_queue.hpp"
#include "test_support.hpp"

namespace keel::jobs {
namespace {

using namespace std::chrono_literals;

constexpr data::Query kInsertOrder{"insert_order", "INSERT INTO orders (sku) VALUES (?)"};

class OutboxTest : public ::testing::Test {
 protected:
  OutboxTest()
      : queue_(tdb_.db(), {}, nullptr, &clock_),
        outbox_(&clock_),
        relay_(tdb_.db(), queue_, {.batch = 10}, &sink_, &clock_) {}

  // An order and its event in one transaction; `fail` rolls both back.
  std::int64_t PlaceOrder(bool fail = false) {
    std::int64_t event = 0;
    auto done = tdb_.db().TransactionBlocking([&](data::Tx& tx) -> Result<void> {
      auto order = tx.Execute(kInsertOrder, data::Params("A-1"));
      if (!order) {
        return std::move(order).error();
      }
      auto added = outbox_.Add(tx, "order_created",
                               R"({"order_id":)" + std::to_string(order->last_insert_id) + "}");
      if (!added) {
        return std::move(added).error();
      }
      event = *added;
      return fail ? Result<void>(Error(ErrorCode::kConflict, "rolled back")) : Result<void>();
    });
    EXPECT_EQ(done.ok(), !fail);
    return event;
  }
  Result<std::size_t> Relay() { return testing::Await(io_, relay_.RelayOnce({})); }
  std::int64_t Jobs() { return tdb_.Scalar("SELECT COUNT(*) FROM keel_jobs"); }

  boost::asio::io_context io_;
  ManualClock clock_;
  testing::TestDatabase tdb_;
  testing::TestSink sink_;
  SqliteJobQueue queue_;
  Outbox outbox_;
  OutboxRelay relay_;
};

TEST_F(OutboxTest, CommittedEventsBecomeJobsOnTheirTopic) {
  const std::int64_t event = PlaceOrder();
  PlaceOrder(/*fail=*/true);
  EXPECT_EQ(tdb_.Scalar("SELECT COUNT(*) FROM keel_outbox"), 1);
  ASSERT_EQ(*Relay(), 1u);
  auto claimed =
      testing::Await(io_, queue_.Claim({"order_created"}, 10, {.worker = "w", .lease = 30s}, {}));
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  const JobRecord& job = (*claimed)[0].job;
  EXPECT_EQ(job.kind, "order_created");
  EXPECT_EQ(job.args, R"({"order_id":1})");
  EXPECT_EQ(job.dedupe_key, OutboxDedupeKey(event));
  EXPECT_EQ(tdb_.Scalar("SELECT job_id FROM keel_outbox WHERE published_at IS NOT NULL"), job.id);
  EXPECT_EQ(*Relay(), 0u);  // published once
  EXPECT_EQ(sink_.Count("keel_outbox_relayed_total"), 1u);
}

TEST_F(OutboxTest, CrashBetweenEnqueueAndMarkPublishedDoesNotDuplicate) {
  PlaceOrder();
  // The relay dies after enqueueing, before marking the event published: with the queue in the
  // same database the enqueue rolls back with it.
  relay_.SetFaultForTest([](std::int64_t) { return Error(ErrorCode::kUnavailable, "crash"); });
  EXPECT_FALSE(Relay());
  EXPECT_EQ(Jobs(), 0);
  relay_.SetFaultForTest({});
  EXPECT_EQ(*Relay(), 1u);
  EXPECT_EQ(Jobs(), 1);
}

TEST_F(OutboxTest, RedeliveredEventOfACommittedJobIsDeduplicated) {
  const std::int64_t event = PlaceOrder();
  // As if a relay to a queue in another store had enqueued (and a worker completed) the job
  // but crashed before marking the event published.
  auto earlier = testing::Await(io_, queue_.Enqueue({.queue = "order_created",
                                                     .kind = "order_created",
                                                     .dedupe_key = OutboxDedupeKey(event),
                                                     .dedupe_completed = true},
                                                    {}));
  ASSERT_TRUE(earlier);
  auto claimed =
      testing::Await(io_, queue_.Claim({"order_created"}, 1, {.worker = "w", .lease = 30s}, {}));
  ASSERT_TRUE(testing::Await(io_, queue_.Complete(claimed->at(0), {})));
  EXPECT_EQ(*Relay(), 1u);
  EXPECT_EQ(Jobs(), 1);  // the event was relayed again, but no second job exists
  EXPECT_EQ(tdb_.Scalar("SELECT job_id FROM keel_outbox"), earlier->id);
}

TEST_F(OutboxTest, FullQueueLeavesEventsInTheOutbox) {
  SqliteJobQueue tiny(tdb_.db(), {.max_depth = 1}, nullptr, &clock_);
  OutboxRelay relay(tdb_.db(), tiny, {.batch = 10}, nullptr, &clock_);
  PlaceOrder();
  PlaceOrder();
  EXPECT_EQ(*testing::Await(io_, relay.RelayOnce({})), 1u);
  EXPECT_EQ(tdb_.Scalar("SELECT COUNT(*) FROM keel_outbox WHERE published_at IS NULL"), 1);
}

TEST_F(OutboxTest, PublishedEventsArePrunedAfterRetention) {
  PlaceOrder();
  ASSERT_EQ(*Relay(), 1u);
  clock_.Advance(23h);
  EXPECT_EQ(*testing::Await(io_, relay_.Prune({})), 0);
  clock_.Advance(1h);
  EXPECT_EQ(*testing::Await(io_, relay_.Prune({})), 1);
}

TEST_F(OutboxTest, RelayLoopPublishesWhenWoken) {
  relay_.Start(io_.get_executor());
  PlaceOrder();
  relay_.Wake();
  EXPECT_TRUE(testing::RunUntil(
      io_, [&] { return Jobs() == 1; }, 2s));
  relay_.Stop();
}

}  // namespace
}  // namespace keel::jobs
