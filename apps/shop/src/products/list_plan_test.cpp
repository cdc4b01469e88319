// Every list query shape must read through an index in the order it returns: no table scan and no
// sort of the matches (EXPLAIN QUERY PLAN lines are SEARCH, or SCAN … USING [COVERING] INDEX).
#include <gtest/gtest.h>

#include "src/orders/queries.hpp"
#include "src/products/list_query.hpp"
#include "src/products/queries.hpp"
#include "src/testing/test_db.hpp"
#include "src/users/queries.hpp"

namespace shop {
namespace {

using testing::RunSync;
using testing::TestDb;

std::vector<std::string> Plan(TestDb& t, std::string_view sql, keel::data::SqlParams params) {
  const std::string explain = "EXPLAIN QUERY PLAN " + std::string(sql);
  auto rows = RunSync(t.db().Query({"explain", explain}, std::move(params), {}));
  EXPECT_TRUE(rows.ok()) << (rows ? "" : rows.error().message()) << "\n" << sql;
  std::vector<std::string> lines;
  if (rows) {
    const std::size_t detail = rows->Column("detail");
    for (const auto& row : *rows) {
      lines.emplace_back(row.Text(detail));
    }
  }
  return lines;
}

bool Indexed(std::string_view line) {
  if (line.find("TEMP B-TREE") != std::string_view::npos) {
    return false;  // a sort of every match: keyset pages would cost O(matches)
  }
  if (!line.starts_with("SCAN ")) {
    return true;  // SEARCH ..., LIST SUBQUERY, ...
  }
  return line.find("USING INDEX") != std::string_view::npos ||
         line.find("USING COVERING INDEX") != std::string_view::npos ||
         line.find("VIRTUAL TABLE") != std::string_view::npos;  // json_each over the bound ids
}

void ExpectIndexed(TestDb& t, std::string_view sql, keel::data::SqlParams params,
                   const std::string& shape) {
  const auto plan = Plan(t, sql, std::move(params));
  ASSERT_FALSE(plan.empty()) << shape;
  std::string all;
  for (const auto& line : plan) {
    all += "  " + line + "\n";
  }
  for (const auto& line : plan) {
    EXPECT_TRUE(Indexed(line)) << shape << "\n" << sql << "\n" << all;
  }
}

TEST(ListPlans, EveryProductListShapeUsesAnOrderIndex) {
  TestDb t;
  int shapes = 0;
  for (const auto sort : {products::Sort::kId, products::Sort::kPrice, products::Sort::kPriceDesc,
                          products::Sort::kUpdatedDesc}) {
    for (int mask = 0; mask < 8; ++mask) {
      for (const std::optional<bool> in_stock :
           {std::optional<bool>(), std::optional(true), std::optional(false)}) {
        for (const bool paged : {false, true}) {
          products::ListQuery q{.sort = sort};
          if ((mask & 1) != 0) {
            q.filters.category = "toys";
          }
          if ((mask & 2) != 0) {
            q.filters.min_price = 100;
          }
          if ((mask & 4) != 0) {
            q.filters.max_price = 5000;
          }
          q.filters.in_stock = in_stock;
          if (paged) {
            q.after = products::Position{sort == products::Sort::kUpdatedDesc
                                             ? keel::data::SqlValue("2024-01-01")
                                             : keel::data::SqlValue(500),
                                         42};
          }
          auto st = products::BuildListStatement(q);
          ExpectIndexed(t, st.sql, std::move(st.params),
                        "sort=" + std::string(products::SortName(sort)) + " filters=" +
                            products::CanonicalFilters(q.filters) + (paged ? " paged" : ""));
          ++shapes;
        }
      }
    }
  }
  EXPECT_EQ(shapes, 4 * 8 * 3 * 2);
}

TEST(ListPlans, EveryOtherReadIsIndexed) {
  TestDb t;
  using keel::data::Params;
  ExpectIndexed(t, products::sql::kById.sql, Params(1), "product by id");
  ExpectIndexed(t, products::sql::kByIds.sql, Params("[1,2,3]"), "products by ids");
  ExpectIndexed(t, products::sql::kPatch.sql,
                Params("n", nullptr, nullptr, "2024-01-01T00:00:00.000Z", 1, false, "[1]"),
                "product patch");
  ExpectIndexed(t, users::sql::kById.sql, Params(1), "user by id");
  ExpectIndexed(t, users::sql::kSummary.sql, Params(1), "user summary");
  ExpectIndexed(t, orders::sql::kPage.sql, Params(1, 1000, 21), "orders page");
  ExpectIndexed(t, orders::sql::kPageByStatus.sql, Params(1, "paid", 1000, 21),
                "orders page by status");
  ExpectIndexed(t, orders::sql::kItems.sql, Params("[1,2,3]"), "order items with products");
}

TEST(ListPlans, OrderPagesReadTheUserIndexBackwards) {
  TestDb t;
  const auto all = Plan(t, orders::sql::kPage.sql, keel::data::Params(1, 1000, 21));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_NE(all[0].find("orders_by_user "), std::string::npos) << all[0];
  const auto by_status =
      Plan(t, orders::sql::kPageByStatus.sql, keel::data::Params(1, "paid", 1000, 21));
  ASSERT_EQ(by_status.size(), 1u);
  EXPECT_NE(by_status[0].find("orders_by_user_status"), std::string::npos) << by_status[0];
}

}  // namespace
}  // namespace shop
