// The report job against a real migrated SQLite database and the real job queue: the aggregate,
// and idempotency on redelivery (after success, after a partial attempt, from a stale attempt).
#include "src/reports/job.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <keel/jobs/sqlite_queue.hpp>

#include "src/testing/test_db.hpp"

namespace shop::reports {
namespace {

using testing::RunSync;

class ReportJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two categories; orders 1..10 in May (order 4 cancelled), 11..12 in June.
    std::string sql =
        "INSERT INTO users (id, email, name, created_at) VALUES "
        "(1, 'a@example.com', 'A', '2024-01-01T00:00:00.000Z');"
        "INSERT INTO products (id, name, category, price_cents, stock, updated_at) VALUES "
        "(1, 'Pen', 'office', 100, 10, '2024-01-01T00:00:00.000Z'),"
        "(2, 'Ink', 'office', 300, 10, '2024-01-01T00:00:00.000Z'),"
        "(3, 'Mug', 'kitchen', 500, 10, '2024-01-01T00:00:00.000Z');";
    for (int id = 1; id <= 12; ++id) {
      const std::string day =
          id <= 10 ? "2024-05-" + std::string(id < 10 ? "0" : "") + std::to_string(id)
                   : "2024-06-0" + std::to_string(id - 10);
      sql += "INSERT INTO orders (id, user_id, status, total_cents, created_at) VALUES (" +
             std::to_string(id) + ", 1, '" + (id == 4 ? "cancelled" : "paid") + "', 0, '" + day +
             "T10:00:00.000Z');";
      // Every order: 2 pens; even orders also 1 mug.
      sql += "INSERT INTO order_items VALUES (" + std::to_string(id) + ", 1, 2, 100);";
      if (id % 2 == 0) {
        sql += "INSERT INTO order_items VALUES (" + std::to_string(id) + ", 3, 1, 500);";
      }
    }
    t_.Exec(sql);
  }

  Report Create() {
    const ReportRequest request{.type = std::string(kSalesByCategory),
                                .from = "2024-05-01T00:00:00.000Z",
                                .to = "2024-06-01T00:00:00.000Z"};
    auto report = RunSync(store_.Create(request, "2024-07-01T00:00:00.000Z", {}));
    EXPECT_TRUE(report.ok()) << report.error().message();
    return *report;
  }

  keel::jobs::ClaimedJob Claim() {
    auto claimed = RunSync(queue_.Claim({std::string(kJobQueue)}, 1, {.worker = "test"}, {}));
    EXPECT_TRUE(claimed.ok());
    EXPECT_EQ(claimed->size(), 1u);
    return claimed->front();
  }

  keel::Result<void> Run(const keel::jobs::ClaimedJob& claimed) {
    keel::jobs::JobContext context(queue_, claimed,
                                   keel::Deadline::After(std::chrono::seconds(10)));
    auto handler = MakeReportHandler(store_, settings_);
    return RunSync(handler(context));
  }

  boost::json::object ResultOf(std::int64_t id) {
    auto result = RunSync(store_.Result(id, {}));
    EXPECT_TRUE(result.ok());
    return boost::json::parse(*result).as_object();
  }

  // May, without the cancelled order 4: 9 orders, 18 pens; mugs on 2, 6, 8, 10.
  static void ExpectMay(boost::json::object& result) {
    const auto& categories = result["categories"].as_array();
    ASSERT_EQ(categories.size(), 2u);
    const auto& office = categories[1].as_object();
    const auto& kitchen = categories[0].as_object();  // 2000 cents beats 1800
    EXPECT_EQ(kitchen.at("category").as_string(), "kitchen");
    EXPECT_EQ(kitchen.at("orders").as_int64(), 4);
    EXPECT_EQ(kitchen.at("units").as_int64(), 4);
    EXPECT_EQ(kitchen.at("revenue_cents").as_int64(), 2000);
    EXPECT_EQ(office.at("orders").as_int64(), 9);
    EXPECT_EQ(office.at("units").as_int64(), 18);
    EXPECT_EQ(office.at("revenue_cents").as_int64(), 1800);
    EXPECT_EQ(result["totals"].as_object().at("orders").as_int64(), 9);
    EXPECT_EQ(result["totals"].as_object().at("revenue_cents").as_int64(), 3800);
  }

  testing::TestDb t_;
  keel::jobs::SqliteJobQueue queue_{t_.db(), {}};
  ReportStore store_{t_.db(), queue_, std::string(kJobQueue)};
  ReportSettings settings_{.chunk_orders = 5, .chunk_pause = std::chrono::nanoseconds::zero()};
};

TEST_F(ReportJobTest, AggregatesInChunksAndSucceeds) {
  const Report report = Create();
  EXPECT_NE(report.job_id, 0);
  const auto claimed = Claim();
  EXPECT_EQ(claimed.job.args, "{\"report_id\":" + std::to_string(report.id) + "}");
  ASSERT_TRUE(Run(claimed).ok());
  auto view = RunSync(store_.View(report.id, {}));
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->status, "succeeded");
  EXPECT_EQ(view->progress, 100);
  EXPECT_EQ(view->attempt, 1);
  auto result = ResultOf(report.id);
  ExpectMay(result);
}

TEST_F(ReportJobTest, RedeliveryAfterSuccessChangesNothing) {
  const Report report = Create();
  const auto claimed = Claim();
  ASSERT_TRUE(Run(claimed).ok());
  const auto first = RunSync(store_.Result(report.id, {}));
  ASSERT_TRUE(Run(claimed).ok());  // the ack was lost: the same job again
  EXPECT_EQ(*RunSync(store_.Result(report.id, {})), *first);
}

TEST_F(ReportJobTest, ANewAttemptResumesAtTheCursorWithoutCountingAChunkTwice) {
  const Report report = Create();
  // A first attempt adds one chunk (orders 1..5), then its worker dies.
  auto range = RunSync(store_.Start(report.id, 1, "2024-07-01T00:00:00.000Z", {}));
  ASSERT_TRUE(range.ok() && range->has_value());
  EXPECT_EQ((*range)->first, 0);
  EXPECT_EQ((*range)->last, 12);
  auto sums = RunSync(store_.Chunk(report, 0, 5, {}));
  ASSERT_TRUE(sums.ok());
  EXPECT_EQ(sums->orders, 4);  // 1, 2, 3, 5 (4 is cancelled)
  auto moved = RunSync(store_.Advance(report.id, 0, 5, 41, *sums, "now", {}));
  ASSERT_TRUE(moved.ok() && *moved);
  // A stale copy of that attempt tries to add the same chunk again: refused, nothing added.
  auto again = RunSync(store_.Advance(report.id, 0, 5, 41, *sums, "now", {}));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  // The redelivered job resumes after order 5 and finishes with the right totals.
  const auto claimed = Claim();
  ASSERT_TRUE(Run(claimed).ok());
  auto result = ResultOf(report.id);
  ExpectMay(result);
}

TEST_F(ReportJobTest, UnknownReportIsAPermanentFailure) {
  keel::jobs::ClaimedJob claimed;
  claimed.job.args = R"({"report_id":999})";
  const auto outcome = Run(claimed);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), keel::ErrorCode::kInvalidArgument);
}

TEST_F(ReportJobTest, AlwaysFailFailsEveryAttemptWithItsAttemptNumber) {
  const ReportRequest request{.type = std::string(kAlwaysFail),
                              .from = "2024-05-01T00:00:00.000Z",
                              .to = "2024-06-01T00:00:00.000Z"};
  ASSERT_TRUE(RunSync(store_.Create(request, "2024-07-01T00:00:00.000Z", {})).ok());
  const auto claimed = Claim();
  const auto outcome = Run(claimed);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), keel::ErrorCode::kInternal);
  EXPECT_NE(outcome.error().message().find("attempt 1 of 25"), std::string::npos)
      << outcome.error().message();
}

TEST_F(ReportJobTest, AFullQueueCreatesNoReport) {
  keel::jobs::SqliteJobQueue small(t_.db(), {.max_depth = 1});
  ReportStore store(t_.db(), small, std::string(kJobQueue));
  const ReportRequest request{.type = std::string(kSalesByCategory),
                              .from = "2024-05-01T00:00:00.000Z",
                              .to = "2024-06-01T00:00:00.000Z"};
  ASSERT_TRUE(RunSync(store.Create(request, "now", {})).ok());
  const auto refused = RunSync(store.Create(request, "now", {}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), keel::ErrorCode::kOverloaded);
  EXPECT_TRUE(refused.error().retry_after().has_value());
  const auto missing = RunSync(store.Get(2, {}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), keel::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace shop::reports
