// The recommendation store: the fallback's order and query plan, the provider's order kept.
#include "src/recommendations/store.hpp"

#include <gtest/gtest.h>

#include "src/recommendations/queries.hpp"
#include "src/recommendations/service.hpp"
#include "src/testing/test_db.hpp"

namespace shop::recommendations {
namespace {

using testing::RunSync;
using testing::TestDb;

class RecommendationStoreTest : public ::testing::Test {
 protected:
  RecommendationStoreTest() : store_(t_.db()) {
    t_.Exec(
        "INSERT INTO products (id, name, category, price_cents, stock, rating, updated_at) VALUES "
        "(1, 'a', 'books', 100, 1, 4.0, '2024-01-01T00:00:00.000Z'),"
        "(2, 'b', 'books', 100, 1, 5.0, '2024-01-01T00:00:00.000Z'),"
        "(3, 'c', 'books', 100, 1, 4.0, '2024-01-01T00:00:00.000Z'),"
        "(4, 'd', 'toys',  100, 1, 5.0, '2024-01-01T00:00:00.000Z'),"
        "(5, 'e', 'books', 100, 1, 1.0, '2024-01-01T00:00:00.000Z')");
  }

  static std::vector<std::int64_t> Ids(const std::vector<products::Product>& items) {
    std::vector<std::int64_t> ids;
    for (const auto& p : items) {
      ids.push_back(p.id);
    }
    return ids;
  }

  TestDb t_;
  RecommendationStore store_;
};

TEST_F(RecommendationStoreTest, TopRatedIsTheCategoryBestFirstWithoutTheProduct) {
  auto top = RunSync(store_.TopRated("books", 1, 10, {}));
  ASSERT_TRUE(top.ok()) << top.error().message();
  EXPECT_EQ(Ids(*top), (std::vector<std::int64_t>{2, 3, 5}));  // ties: newer first
  auto two = RunSync(store_.TopRated("books", 2, 2, {}));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(Ids(*two), (std::vector<std::int64_t>{3, 1}));
}

TEST_F(RecommendationStoreTest, InOrderKeepsTheProviderOrderAndSkipsUnknownIds) {
  auto items = RunSync(store_.InOrder({4, 99, 1, 3}, {}));
  ASSERT_TRUE(items.ok()) << items.error().message();
  EXPECT_EQ(Ids(*items), (std::vector<std::int64_t>{4, 1, 3}));
  auto none = RunSync(store_.InOrder({}, {}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(RecommendationStoreTest, WithoutProviderTheAnswerIsTopRatedAndNotDegraded) {
  RecommendationService service(store_, nullptr);
  auto recs = RunSync(service.For(1, {}));
  ASSERT_TRUE(recs.ok()) << recs.error().message();
  ASSERT_TRUE(recs->has_value());
  EXPECT_EQ((*recs)->source, Source::kTopRated);
  EXPECT_TRUE((*recs)->degraded_reason.empty());
  EXPECT_EQ(Ids((*recs)->items), (std::vector<std::int64_t>{2, 3, 5}));
  auto missing = RunSync(service.For(42, {}));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

// The fallback must stay cheap when every request takes it: an index range scan in order, no
// sort of the category (migration 0004's products_by_category_rating).
TEST_F(RecommendationStoreTest, TopRatedReadsTheIndexInOrder) {
  const std::string explain = "EXPLAIN QUERY PLAN " + std::string(sql::kTopRated.sql);
  auto rows = RunSync(t_.db().Query({"explain", explain}, keel::data::Params("books", 1, 10), {}));
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  std::string plan;
  const std::size_t detail = rows->Column("detail");
  for (const auto& row : *rows) {
    plan += std::string(row.Text(detail)) + "\n";
  }
  EXPECT_NE(plan.find("products_by_category_rating"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

}  // namespace
}  // namespace shop::recommendations
