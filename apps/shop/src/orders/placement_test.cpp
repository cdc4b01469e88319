// OrderPlacement over a migrated SQLite file: one transaction writes the order, items, stock,
// summary and outbox event; a rejection or a failing in-transaction step writes nothing.
#include "src/orders/placement.hpp"

#include <gtest/gtest.h>

#include <keel/jobs/sqlite_queue.hpp>

#include "src/orders/notifications.hpp"
#include "src/testing/test_db.hpp"

namespace shop::orders {
namespace {

using testing::RunSync;

class PlacementTest : public ::testing::Test {
 protected:
  PlacementTest()
      : placement_(t_.db(), outbox_, [] { return std::string("2025-01-01T00:00:00.000Z"); }) {
    t_.Exec(
        "INSERT INTO users (id, email, name, created_at) VALUES "
        "(1, 'a@example.com', 'Ada', '2024-01-01T00:00:00.000Z'), "
        "(2, 'b@example.com', 'Bob', '2024-01-01T00:00:00.000Z');"
        "INSERT INTO user_summaries (user_id, order_count, total_spent_cents, updated_at) VALUES "
        "(2, 3, 1000, '2024-01-01T00:00:00.000Z');"
        "INSERT INTO products (id, name, category, price_cents, stock, updated_at) VALUES "
        "(10, 'Lamp', 'home', 250, 5, '2024-01-01T00:00:00.000Z'), "
        "(11, 'Desk', 'home', 10000, 1, '2024-01-01T00:00:00.000Z');");
  }

  std::int64_t Int(std::string_view sql) {
    std::int64_t n = -1;
    EXPECT_TRUE(t_.db()
                    .TransactionBlocking([&](keel::data::Tx& tx) -> keel::Result<void> {
                      auto rows = tx.Query({"test_int", sql}, {});
                      if (rows && !rows->empty()) {
                        n = (*rows)[0].Int(0);
                      }
                      return rows ? keel::Result<void>() : keel::Result<void>(rows.error());
                    })
                    .ok());
    return n;
  }

  keel::Result<Order> Place(CreateOrderRequest request, FieldErrors& rejected,
                            const InOrderTx& in_tx = {}) {
    return RunSync(placement_.Place(request, rejected, in_tx, {}));
  }

  testing::TestDb t_;
  keel::jobs::Outbox outbox_;
  OrderPlacement placement_;
};

TEST_F(PlacementTest, WritesOrderItemsStockSummaryAndEventTogether) {
  FieldErrors rejected;
  auto order = Place({.user_id = 2,
                      .items = {{.product_id = 10, .quantity = 2, .index = 0},
                                {.product_id = 11, .quantity = 1, .index = 1}}},
                     rejected);
  ASSERT_TRUE(order.ok()) << order.error().message();
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(order->total_cents, 2 * 250 + 10000);
  EXPECT_EQ(order->status, "pending");
  EXPECT_EQ(order->payment_status, "pending");
  ASSERT_EQ(order->items.size(), 2u);
  EXPECT_EQ(order->items[0].name, "Lamp");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM orders"), 1);
  EXPECT_EQ(Int("SELECT SUM(quantity) FROM order_items"), 3);
  EXPECT_EQ(Int("SELECT stock FROM products WHERE id = 10"), 3);
  EXPECT_EQ(Int("SELECT stock FROM products WHERE id = 11"), 0);
  EXPECT_EQ(Int("SELECT version FROM products WHERE id = 10"), 2);
  EXPECT_EQ(Int("SELECT order_count FROM user_summaries WHERE user_id = 2"), 4);
  EXPECT_EQ(Int("SELECT total_spent_cents FROM user_summaries WHERE user_id = 2"), 1000 + 10500);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM keel_outbox WHERE topic = 'order.created' AND "
                "json_extract(payload, '$.order_id') = " +
                std::to_string(order->id)),
            1);
  // A user without a summary row gets one.
  auto first =
      Place({.user_id = 1, .items = {{.product_id = 10, .quantity = 1, .index = 0}}}, rejected);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Int("SELECT order_count FROM user_summaries WHERE user_id = 1"), 1);
  EXPECT_EQ(Int("SELECT total_spent_cents FROM user_summaries WHERE user_id = 1"), 250);
}

TEST_F(PlacementTest, InsufficientStockIsAConflictPerItemAndWritesNothing) {
  FieldErrors rejected;
  auto order = Place({.user_id = 1,
                      .items = {{.product_id = 10, .quantity = 2, .index = 0},
                                {.product_id = 11, .quantity = 2, .index = 3}}},
                     rejected);
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.error().code(), keel::ErrorCode::kConflict);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].field, "/items/3/quantity");
  EXPECT_EQ(rejected[0].detail, "product 11 has 1 in stock; 2 requested");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM orders"), 0);
  EXPECT_EQ(Int("SELECT stock FROM products WHERE id = 10"), 5);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM keel_outbox"), 0);
}

TEST_F(PlacementTest, UnknownUserAndProductsAreUnprocessable) {
  FieldErrors rejected;
  auto order = Place({.user_id = 99,
                      .items = {{.product_id = 10, .quantity = 1, .index = 0},
                                {.product_id = 404, .quantity = 1, .index = 1}}},
                     rejected);
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.error().code(), keel::ErrorCode::kUnprocessable);
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].field, "/user_id");
  EXPECT_EQ(rejected[1].field, "/items/1/product_id");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM orders"), 0);
}

TEST_F(PlacementTest, AFailingInTransactionStepRollsEverythingBack) {
  FieldErrors rejected;
  std::int64_t seen_id = 0;
  const InOrderTx fail = [&](keel::data::Tx&, const Order& order) -> keel::Result<void> {
    seen_id = order.id;
    return keel::Error(keel::ErrorCode::kConflict, "idempotency lease lost");
  };
  auto order = Place({.user_id = 1, .items = {{.product_id = 10, .quantity = 1, .index = 0}}},
                     rejected, fail);
  ASSERT_FALSE(order.ok());
  EXPECT_GT(seen_id, 0);
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(Int("SELECT COUNT(*) FROM orders"), 0);
  EXPECT_EQ(Int("SELECT stock FROM products WHERE id = 10"), 5);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM user_summaries WHERE user_id = 1"), 0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM keel_outbox"), 0);
}

TEST_F(PlacementTest, TheNotificationIsWrittenOncePerOrderHoweverOftenTheEventArrives) {
  FieldErrors rejected;
  auto order =
      Place({.user_id = 1, .items = {{.product_id = 10, .quantity = 2, .index = 0}}}, rejected);
  ASSERT_TRUE(order.ok());
  keel::jobs::SqliteJobQueue queue(t_.db(), {});
  const keel::jobs::JobHandler notify = MakeOrderNotifier(t_.db(), std::chrono::nanoseconds(0));
  auto deliver = [&](std::string dedupe_key, keel::jobs::JobId id) {
    keel::jobs::ClaimedJob claimed;
    claimed.job.id = id;
    claimed.job.kind = "order.created";
    claimed.job.args = OrderCreatedPayload(*order);
    claimed.job.dedupe_key = std::move(dedupe_key);
    keel::jobs::JobContext job(queue, claimed, keel::Deadline::Never());
    return RunSync(notify(job));
  };
  // Redelivery of the same event, then a second event for the same order (a re-relayed copy).
  for (const auto& [key, id] : std::vector<std::pair<std::string, keel::jobs::JobId>>{
           {"outbox:1", 1}, {"outbox:1", 2}, {"outbox:7", 3}}) {
    auto done = deliver(key, id);
    ASSERT_TRUE(done.ok()) << done.error().message();
  }
  EXPECT_EQ(Int("SELECT COUNT(*) FROM notifications"), 1);
  EXPECT_EQ(Int("SELECT order_id FROM notifications"), order->id);
  // Arguments that can never work are a permanent failure (the job is discarded).
  keel::jobs::ClaimedJob bad;
  bad.job.args = R"({"order":1})";
  keel::jobs::JobContext job(queue, bad, keel::Deadline::Never());
  auto refused = RunSync(notify(job));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), keel::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace shop::orders
