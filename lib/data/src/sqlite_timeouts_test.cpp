// Bounded waits of SqliteDatabase: pool exhaustion, query timeouts, deadlines, and the metrics
// that show them.
#include <gtest/gtest.h>

#include "data_test_support.hpp"
#include "keel/data/sqlite_database.hpp"

namespace keel::data {
namespace {

using namespace std::chrono_literals;
using testing::Await;
using testing::RunUntil;
using testing::Spawn;
using testing::TempDir;

// Counts to 10^9 inside SQLite: runs for many seconds unless interrupted.
constexpr Query kRunaway{"runaway",
                         "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                         "WHERE x < 1000000000) SELECT count(*) FROM c"};
constexpr Query kOne{"one", "SELECT 1"};

class SqliteTimeoutsTest : public ::testing::Test {
 protected:
  void Open(SqliteSettings settings) {
    settings.name = "t";
    settings.path = dir_.File("t.db");
    db_ = std::make_unique<SqliteDatabase>(settings, &sink_);
    ASSERT_TRUE(db_->Open().ok());
  }
  Gauge& ReaderGauge(std::string_view name) {
    return sink_.GetGauge(name, "", {{"db", "t"}, {"role", "reader"}});
  }
  // Starts the runaway query on the only reader and waits until a worker runs it.
  std::shared_ptr<std::optional<Result<ResultSet>>> OccupyReader(Duration query_timeout) {
    auto slot = Spawn(io_, db_->Query(kRunaway, {}, {.query_timeout = query_timeout}));
    EXPECT_TRUE(
        RunUntil(io_, [&] { return ReaderGauge("keel_db_connections_in_use").Value() == 1; }));
    return slot;
  }

  TempDir dir_;
  DiscardingMetricSink sink_;
  boost::asio::io_context io_;
  std::unique_ptr<SqliteDatabase> db_;
};

TEST_F(SqliteTimeoutsTest, ExhaustedPoolFailsFastWithOverloaded) {
  Open({.readers = 1, .acquire_timeout = 100ms});
  auto slow = OccupyReader(400ms);
  EXPECT_EQ(ReaderGauge("keel_db_pool_utilization").Value(), 1.0);
  EXPECT_EQ(ReaderGauge("keel_db_connections").Value(), 1.0);

  const auto started = std::chrono::steady_clock::now();
  auto r = Await(io_, db_->Query(kOne, {}, {.deadline = Deadline::After(5s)}));
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kOverloaded);
  EXPECT_EQ(r.error().message(), "database t reader pool: no connection within 100 ms");
  EXPECT_EQ(r.error().retry_after(), std::chrono::seconds(1));
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 350ms);  // did not wait for the slow query
  EXPECT_EQ(
      sink_.GetCounter("keel_db_acquire_timeouts_total", "", {{"db", "t"}, {"role", "reader"}})
          .Value(),
      1u);
  EXPECT_EQ(sink_
                .GetCounter("keel_db_query_errors_total", "",
                            {{"db", "t"}, {"query", "one"}, {"kind", "overloaded"}})
                .Value(),
            1u);

  ASSERT_TRUE(RunUntil(io_, [&] { return slow->has_value(); }));
  ASSERT_FALSE((*slow)->ok());
  EXPECT_EQ((*slow)->error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(ReaderGauge("keel_db_connections_in_use").Value(), 0.0);
  EXPECT_EQ(ReaderGauge("keel_db_pool_utilization").Value(), 0.0);
  EXPECT_EQ(ReaderGauge("keel_db_pool_waiters").Value(), 0.0);
  EXPECT_TRUE(Await(io_, db_->Query(kOne, {}, {})).ok());  // the reader is free again
}

TEST_F(SqliteTimeoutsTest, WaitersGaugeCountsQueuedCalls) {
  Open({.readers = 1, .acquire_timeout = 2s});
  auto slow = OccupyReader(300ms);
  auto queued = Spawn(io_, db_->Query(kOne, {}, {}));
  ASSERT_TRUE(RunUntil(io_, [&] { return ReaderGauge("keel_db_pool_waiters").Value() == 1; }));
  ASSERT_TRUE(RunUntil(io_, [&] { return queued->has_value(); }));
  EXPECT_TRUE((*queued)->ok());  // ran once the slow query was interrupted
  EXPECT_EQ(ReaderGauge("keel_db_pool_waiters").Value(), 0.0);
  ASSERT_TRUE(RunUntil(io_, [&] { return slow->has_value(); }));
}

TEST_F(SqliteTimeoutsTest, QueryTimeoutInterruptsARunawayQuery) {
  Open({.readers = 1, .query_timeout = 50ms});
  const auto started = std::chrono::steady_clock::now();
  auto r = Await(io_, db_->Query(kRunaway, {}, {.deadline = Deadline::After(5s)}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(r.error().message().rfind("query runaway interrupted after ", 0), 0u)
      << r.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_EQ(sink_
                .GetCounter("keel_db_query_errors_total", "",
                            {{"db", "t"}, {"query", "runaway"}, {"kind", "deadline_exceeded"}})
                .Value(),
            1u);
  EXPECT_EQ(
      sink_.GetHistogram("keel_db_query_duration_seconds", "", {{"db", "t"}, {"query", "runaway"}})
          .Read()
          .count,
      1u);
  EXPECT_TRUE(Await(io_, db_->Query(kOne, {}, {})).ok());  // the connection was reset
}

TEST_F(SqliteTimeoutsTest, DeadlineShorterThanAcquireTimeoutIsDeadlineExceeded) {
  Open({.readers = 1, .acquire_timeout = 2s});
  auto slow = OccupyReader(300ms);
  const auto started = std::chrono::steady_clock::now();
  auto r = Await(io_, db_->Query(kOne, {}, {.deadline = Deadline::After(50ms)}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 250ms);
  EXPECT_EQ(
      sink_.GetCounter("keel_db_acquire_timeouts_total", "", {{"db", "t"}, {"role", "reader"}})
          .Value(),
      0u);
  ASSERT_TRUE(RunUntil(io_, [&] { return slow->has_value(); }));
}

TEST_F(SqliteTimeoutsTest, DeadlineInterruptsATransactionAndRollsItBack) {
  Open({.readers = 1});
  ASSERT_TRUE(db_->TransactionBlocking([](Tx& tx) {
                   return tx.ExecuteScript("schema", "CREATE TABLE t (x INTEGER)");
                 })
                  .ok());
  constexpr Query kInsert{"insert", "INSERT INTO t VALUES (1)"};
  constexpr Query kCount{"count", "SELECT count(*) FROM t"};
  std::optional<ErrorCode> inner;
  auto r = Await(io_, db_->Transaction(
                          [&](Tx& tx) -> Result<void> {
                            if (auto e = tx.Execute(kInsert, {}); !e) {
                              return std::move(e).error();
                            }
                            auto slow = tx.Query(kRunaway, {});
                            inner = slow ? ErrorCode::kOk : slow.error().code();
                            return {};
                          },
                          {.deadline = Deadline::After(80ms)}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded);
  // The writer runs calls in order: once this Execute is done the transaction has finished.
  ASSERT_TRUE(Await(io_, db_->Execute({"noop", "SELECT 1"}, {}, {})).ok());
  EXPECT_EQ(inner, ErrorCode::kDeadlineExceeded);
  auto rows = Await(io_, db_->Query(kCount, {}, {}));
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].Int(0), 0);  // rolled back
}

TEST_F(SqliteTimeoutsTest, FullQueueIsOverloaded) {
  Open({.readers = 1, .queue_capacity = 1, .acquire_timeout = 2s});
  auto slow = OccupyReader(300ms);
  auto queued = Spawn(io_, db_->Query(kOne, {}, {}));
  auto refused = Await(io_, db_->Query(kOne, {}, {}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kOverloaded);
  EXPECT_TRUE(refused.error().retry_after().has_value());
  ASSERT_TRUE(RunUntil(io_, [&] { return queued->has_value() && slow->has_value(); }));
  EXPECT_TRUE((*queued)->ok());
}

}  // namespace
}  // namespace keel::data
