// OrderService over a seeded SQLite file: pages newest first with items, a fixed number of
// queries per page, cursors bound to the user and status.
#include "src/orders/service.hpp"

#include <gtest/gtest.h>

#include <set>

#include "src/seed/seeder.hpp"
#include "src/testing/test_db.hpp"

namespace shop::orders {
namespace {

using testing::RunSync;

class OrderServiceTest : public ::testing::Test {
 protected:
  OrderServiceTest()
      : signer_("0123456789abcdef-test-secret"),
        orders_(t_.db()),
        users_(t_.db()),
        service_(orders_, users_, signer_) {
    EXPECT_TRUE(
        seed::Seed(t_.db(), {.users = 6, .products = 50, .orders = 200, .seed = 3}, {}).ok());
    t_.Exec(
        "INSERT INTO users (id, email, name, created_at) VALUES "
        "(100, 'new@example.com', 'New', '2024-01-01T00:00:00.000Z')");
  }

  ListQuery Parse(std::int64_t user, const std::string& query, FieldErrors& errors) {
    return ParseListQuery(user, QueryParams::Parse(query, errors), signer_, errors);
  }

  std::int64_t Count(std::string_view sql) {
    std::int64_t n = -1;
    EXPECT_TRUE(t_.db()
                    .TransactionBlocking([&](keel::data::Tx& tx) -> keel::Result<void> {
                      auto rows = tx.Query({"test_count", sql}, {});
                      if (rows) {
                        n = (*rows)[0].Int(0);
                      }
                      return {};
                    })
                    .ok());
    return n;
  }

  testing::TestDb t_;
  CursorSigner signer_;
  OrderStore orders_;
  users::UserStore users_;
  OrderService service_;
};

TEST_F(OrderServiceTest, WalksNewestFirstWithItemsInAtMostThreeQueriesPerPage) {
  for (const std::string status : {"", "paid"}) {
    std::set<std::int64_t> seen;
    std::int64_t previous = INT64_MAX;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
      FieldErrors errors;
      std::string query = "limit=4";
      query += status.empty() ? "" : "&status=" + status;
      query += cursor.empty() ? "" : "&cursor=" + cursor;
      const ListQuery q = Parse(1, query, errors);
      ASSERT_TRUE(errors.empty()) << errors[0].detail;
      keel::StageAccount stages;
      auto page = RunSync(service_.ListForUser(q, {.stages = &stages}));
      ASSERT_TRUE(page.ok()) << page.error().message();
      EXPECT_LE(stages.Count(keel::Stage::kDb), 3u);
      for (const auto& order : page->items) {
        EXPECT_LT(order.id, previous);
        previous = order.id;
        EXPECT_TRUE(seen.insert(order.id).second);
        if (!status.empty()) {
          EXPECT_EQ(order.status, status);
        }
        ASSERT_GE(order.items.size(), 1u);
        ASSERT_LE(order.items.size(), 5u);
        std::int64_t total = 0;
        for (const auto& item : order.items) {
          EXPECT_FALSE(item.name.empty());
          total += item.quantity * item.unit_price_cents;
        }
        EXPECT_EQ(total, order.total_cents);
      }
      if (!page->next_cursor) {
        break;
      }
      cursor = *page->next_cursor;
    }
    const std::string where = status.empty() ? "" : " AND status = '" + status + "'";
    EXPECT_EQ(static_cast<std::int64_t>(seen.size()),
              Count("SELECT count(*) FROM orders WHERE user_id = 1" + where))
        << "status=" << status;
  }
}

TEST_F(OrderServiceTest, UnknownUserIsNotFoundAndUserWithoutOrdersIsEmpty) {
  FieldErrors errors;
  auto missing = RunSync(service_.ListForUser(Parse(999, "", errors), {}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), keel::ErrorCode::kNotFound);
  auto empty = RunSync(service_.ListForUser(Parse(100, "", errors), {}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->items.empty());
  EXPECT_FALSE(empty->next_cursor);
}

TEST_F(OrderServiceTest, CursorIsBoundToUserAndStatus) {
  FieldErrors errors;
  auto page = RunSync(service_.ListForUser(Parse(1, "limit=1&status=shipped", errors), {}));
  ASSERT_TRUE(page.ok());
  ASSERT_TRUE(page->next_cursor);
  const std::string cursor = "&cursor=" + *page->next_cursor;
  FieldErrors same;
  EXPECT_TRUE(Parse(1, "status=shipped" + cursor, same).before_id);
  EXPECT_TRUE(same.empty());
  for (const auto& [user, query] : std::vector<std::pair<std::int64_t, std::string>>{
           {2, "status=shipped"}, {1, "status=paid"}, {1, ""}}) {
    FieldErrors refused;
    (void)Parse(user, query + cursor, refused);
    ASSERT_EQ(refused.size(), 1u) << user << " " << query;
    EXPECT_EQ(refused[0].field, "cursor");
  }
}

TEST_F(OrderServiceTest, ValidatesStatusAndLimit) {
  for (const char* bad :
       {"status=lost", "status=", "limit=0", "limit=101", "limit=x", "cursor=abc"}) {
    FieldErrors errors;
    (void)Parse(1, bad, errors);
    EXPECT_EQ(errors.size(), 1u) << bad;
  }
}

}  // namespace
}  // namespace shop::orders
