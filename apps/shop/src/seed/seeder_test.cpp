#include "src/seed/seeder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "src/testing/test_db.hpp"

namespace shop::seed {
namespace {

using testing::TestDb;

constexpr SeedOptions kSmall{.users = 40, .products = 120, .orders = 300, .seed = 7};

// The single integer an aggregate query returns.
std::int64_t Scalar(TestDb& t, std::string_view sql) {
  std::int64_t value = -1;
  auto done = t.db().TransactionBlocking([&](keel::data::Tx& tx) -> keel::Result<void> {
    auto rows = tx.Query({"test_scalar", sql}, {});
    if (!rows) {
      return std::move(rows).error();
    }
    value = (*rows)[0].Int(0);
    return {};
  });
  EXPECT_TRUE(done.ok()) << sql;
  return value;
}

// A digest of everything seeded, to compare two data sets.
std::string Fingerprint(TestDb& t) {
  std::string out;
  for (const char* sql :
       {"SELECT sum(length(email) * id) + sum(unicode(name) * id) FROM users",
        "SELECT sum(price_cents * id) + sum(stock) + sum(CAST(rating * 10 AS INTEGER)) FROM "
        "products",
        "SELECT sum(total_cents * id) + sum(user_id * id) FROM orders",
        "SELECT sum(product_id * quantity * order_id) FROM order_items"}) {
    out += std::to_string(Scalar(t, sql)) + ";";
  }
  return out;
}

TEST(Seeder, WritesTheRequestedCountsWithProgress) {
  TestDb t;
  std::vector<std::string> lines;
  auto report = Seed(t.db(), kSmall, [&](std::string_view line) { lines.emplace_back(line); });
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->users, 40);
  EXPECT_EQ(report->products, 120);
  EXPECT_EQ(report->orders, 300);
  EXPECT_EQ(Scalar(t, "SELECT count(*) FROM users"), 40);
  EXPECT_EQ(Scalar(t, "SELECT count(*) FROM products"), 120);
  EXPECT_EQ(Scalar(t, "SELECT count(*) FROM orders"), 300);
  EXPECT_EQ(Scalar(t, "SELECT count(*) FROM order_items"), report->order_items);
  EXPECT_EQ(Scalar(t, "SELECT count(*) FROM user_summaries"), 40);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("100%"), std::string::npos) << lines.back();
}

TEST(Seeder, OrdersHaveOneToFiveItemsAndConsistentTotals) {
  TestDb t;
  ASSERT_TRUE(Seed(t.db(), kSmall, {}).ok());
  EXPECT_EQ(Scalar(t,
                   "SELECT count(*) FROM (SELECT order_id, count(*) AS n FROM order_items "
                   "GROUP BY order_id HAVING n < 1 OR n > 5)"),
            0);
  EXPECT_EQ(Scalar(t,
                   "SELECT count(*) FROM orders o WHERE NOT EXISTS "
                   "(SELECT 1 FROM order_items i WHERE i.order_id = o.id)"),
            0);
  EXPECT_EQ(Scalar(t,
                   "SELECT count(*) FROM orders o WHERE total_cents != (SELECT "
                   "sum(quantity * unit_price_cents) FROM order_items i WHERE i.order_id = o.id)"),
            0);
  EXPECT_EQ(Scalar(t,
                   "SELECT count(*) FROM order_items i JOIN products p ON p.id = i.product_id "
                   "WHERE i.unit_price_cents != p.price_cents"),
            0);
  // "Newest first" and "id descending" agree.
  EXPECT_EQ(Scalar(t,
                   "SELECT count(*) FROM orders a JOIN orders b ON b.id = a.id + 1 "
                   "WHERE b.created_at <= a.created_at"),
            0);
}

TEST(Seeder, SummariesAddUp) {
  TestDb t;
  ASSERT_TRUE(Seed(t.db(), kSmall, {}).ok());
  EXPECT_EQ(Scalar(t,
                   "SELECT count(*) FROM users u JOIN user_summaries s ON s.user_id = u.id "
                   "WHERE s.order_count != (SELECT count(*) FROM orders o WHERE o.user_id = u.id) "
                   "OR s.total_spent_cents != (SELECT coalesce(sum(total_cents), 0) FROM orders "
                   "o WHERE o.user_id = u.id)"),
            0);
  EXPECT_EQ(Scalar(t, "SELECT sum(order_count) FROM user_summaries"), 300);
  EXPECT_EQ(Scalar(t, "SELECT sum(total_spent_cents) FROM user_summaries"),
            Scalar(t, "SELECT sum(total_cents) FROM orders"));
  EXPECT_EQ(Scalar(t,
                   "SELECT count(*) FROM user_summaries s WHERE s.order_count > 0 AND "
                   "s.updated_at != (SELECT max(created_at) FROM orders o WHERE "
                   "o.user_id = s.user_id)"),
            0);
}

TEST(Seeder, SameSeedSameDataOtherSeedOtherData) {
  TestDb a;
  TestDb b;
  TestDb c;
  ASSERT_TRUE(Seed(a.db(), kSmall, {}).ok());
  ASSERT_TRUE(Seed(b.db(), kSmall, {}).ok());
  SeedOptions other = kSmall;
  other.seed = 8;
  ASSERT_TRUE(Seed(c.db(), other, {}).ok());
  EXPECT_EQ(Fingerprint(a), Fingerprint(b));
  EXPECT_NE(Fingerprint(a), Fingerprint(c));
}

TEST(Seeder, HasDataAndClear) {
  TestDb t;
  EXPECT_EQ(HasData(t.db()).value(), false);
  ASSERT_TRUE(Seed(t.db(), kSmall, {}).ok());
  EXPECT_EQ(HasData(t.db()).value(), true);
  ASSERT_TRUE(Clear(t.db()).ok());
  EXPECT_EQ(HasData(t.db()).value(), false);
  EXPECT_EQ(Scalar(t, "SELECT count(*) FROM user_summaries"), 0);
  ASSERT_TRUE(Seed(t.db(), kSmall, {}).ok()) << "seeding again after Clear (--force)";
}

TEST(Seeder, ValidatesOptions) {
  EXPECT_FALSE(ValidateOptions({.users = -1}).ok());
  EXPECT_FALSE(ValidateOptions({.users = 0, .products = 5, .orders = 1}).ok());
  EXPECT_FALSE(ValidateOptions({.users = 5, .products = 0, .orders = 1}).ok());
  EXPECT_TRUE(ValidateOptions({.users = 0, .products = 0, .orders = 0}).ok());
  EXPECT_TRUE(ValidateOptions({.users = 1, .products = 2, .orders = 10}).ok());
}

TEST(Seeder, FewerThanFiveProductsStillWorks) {
  TestDb t;
  ASSERT_TRUE(Seed(t.db(), {.users = 2, .products = 2, .orders = 20}, {}).ok());
  EXPECT_EQ(Scalar(t,
                   "SELECT max(n) FROM (SELECT count(*) AS n FROM order_items GROUP BY "
                   "order_id)") <= 2,
            true);
}

}  // namespace
}  // namespace shop::seed
