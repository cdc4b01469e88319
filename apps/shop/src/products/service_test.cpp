// ProductService over a real SQLite file: keyset walks (also while rows are inserted), batches,
// conditional updates.
#include "src/products/service.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <set>

#include "src/products/list_params.hpp"
#include "src/testing/test_db.hpp"

namespace shop::products {
namespace {

using testing::RunSync;

constexpr std::array<std::string_view, 3> kCategories = {"books", "toys", "tools"};
constexpr std::string_view kNow = "2030-01-01T00:00:00.000Z";

class ProductServiceTest : public ::testing::Test {
 protected:
  ProductServiceTest()
      : signer_("0123456789abcdef-test-secret"),
        store_(t_.db()),
        service_(store_, signer_, [] { return std::string(kNow); }) {
    for (std::int64_t id = 1; id <= 150; ++id) {
      Add(id);
    }
  }

  // Few distinct prices and timestamps: ties are where keyset pagination goes wrong.
  void Add(std::int64_t id) {
    Product p{.id = id,
              .name = "product " + std::to_string(id),
              .category = std::string(kCategories[static_cast<std::size_t>(id % 3)]),
              .price_cents = (id * 7 % 5) * 100,
              .stock = id % 4 == 0 ? 0 : id,
              .rating = 1.5,
              .updated_at = "2024-01-0" + std::to_string(1 + id * 3 % 4) + "T00:00:00.000Z"};
    t_.Exec(
        "INSERT INTO products (id, name, category, price_cents, stock, rating, updated_at) "
        "VALUES (" +
        std::to_string(p.id) + ", '" + p.name + "', '" + p.category + "', " +
        std::to_string(p.price_cents) + ", " + std::to_string(p.stock) + ", 1.5, '" + p.updated_at +
        "')");
    rows_[id] = p;
  }

  ListQuery Parse(const std::string& query) {
    FieldErrors errors;
    const ListQuery q = ParseListQuery(QueryParams::Parse(query, errors), signer_, errors);
    EXPECT_TRUE(errors.empty()) << query << ": " << errors.front().detail;
    return q;
  }

  // Walks every page of `query`; `between_pages` runs after each page (e.g. inserts rows).
  std::vector<Product> Walk(const std::string& query,
                            const std::function<void()>& between_pages = {}) {
    std::vector<Product> seen;
    std::string cursor;
    for (int pages = 0; pages < 1000; ++pages) {
      const ListQuery q = Parse(query + (cursor.empty() ? "" : "&cursor=" + cursor));
      auto page = RunSync(service_.List(q, {}));
      EXPECT_TRUE(page.ok());
      if (!page) {
        break;
      }
      seen.insert(seen.end(), page->items.begin(), page->items.end());
      if (!page->next_cursor) {
        break;
      }
      EXPECT_EQ(page->items.size(), static_cast<std::size_t>(q.limit));
      cursor = *page->next_cursor;
      if (between_pages) {
        between_pages();
      }
    }
    return seen;
  }

  static bool Matches(const Product& p, const Filters& f) {
    return (!f.category || p.category == *f.category) &&
           (!f.min_price || p.price_cents >= *f.min_price) &&
           (!f.max_price || p.price_cents <= *f.max_price) &&
           (!f.in_stock || (p.stock > 0) == *f.in_stock);
  }

  // True when `a` comes strictly before `b` in the sort's (key, id) order.
  static bool Before(const Product& a, const Product& b, Sort sort) {
    switch (sort) {
      case Sort::kId:
        return a.id < b.id;
      case Sort::kPrice:
        return std::pair(a.price_cents, a.id) < std::pair(b.price_cents, b.id);
      case Sort::kPriceDesc:
        return std::pair(a.price_cents, a.id) > std::pair(b.price_cents, b.id);
      case Sort::kUpdatedDesc:
        return std::pair(a.updated_at, a.id) > std::pair(b.updated_at, b.id);
    }
    return false;
  }

  // Every row matching at the start is seen exactly once, in order, and nothing else.
  void ExpectCompleteWalk(const std::string& query, const std::vector<Product>& seen,
                          const std::set<std::int64_t>& initial_matches) {
    const ListQuery q = Parse(query);
    std::set<std::int64_t> ids;
    for (std::size_t i = 0; i < seen.size(); ++i) {
      EXPECT_TRUE(ids.insert(seen[i].id).second) << query << ": id " << seen[i].id << " twice";
      EXPECT_TRUE(Matches(rows_.at(seen[i].id), q.filters)) << query << ": id " << seen[i].id;
      if (i > 0) {
        EXPECT_TRUE(Before(seen[i - 1], seen[i], q.sort))
            << query << ": " << seen[i - 1].id << " before " << seen[i].id;
      }
    }
    for (const std::int64_t id : initial_matches) {
      EXPECT_TRUE(ids.contains(id)) << query << ": id " << id << " never seen";
    }
  }

  std::set<std::int64_t> MatchingIds(const std::string& query) {
    const ListQuery q = Parse(query);
    std::set<std::int64_t> ids;
    for (const auto& [id, p] : rows_) {
      if (Matches(p, q.filters)) {
        ids.insert(id);
      }
    }
    return ids;
  }

  testing::TestDb t_;
  CursorSigner signer_;
  ProductStore store_;
  ProductService service_;
  std::map<std::int64_t, Product> rows_;
};

const std::vector<std::string> kFilterSets = {
    "",
    "&category=toys",
    "&min_price=100&max_price=300",
    "&category=books&min_price=200&in_stock=true",
    "&in_stock=false",
    "&category=nothing",
};
const std::vector<std::string> kSorts = {"sort=id", "sort=price", "sort=-price",
                                         "sort=-updated_at"};

TEST_F(ProductServiceTest, WalkVisitsEveryMatchingRowOnceInOrder) {
  for (const auto& sort : kSorts) {
    for (const auto& filters : kFilterSets) {
      const std::string query = sort + "&limit=7" + filters;
      const auto matches = MatchingIds(query);
      const auto seen = Walk(query);
      EXPECT_EQ(seen.size(), matches.size()) << query;
      ExpectCompleteWalk(query, seen, matches);
    }
  }
}

TEST_F(ProductServiceTest, WalkStaysExactWhileRowsAreInserted) {
  std::int64_t next_id = 1000;
  for (const auto& sort : kSorts) {
    for (const auto& filters : kFilterSets) {
      const std::string query = sort + "&limit=9" + filters;
      const auto matches = MatchingIds(query);
      // Between pages, rows land both behind and ahead of the walk's position.
      const auto seen = Walk(query, [&] {
        for (int i = 0; i < 3; ++i) {
          Add(next_id++);
        }
      });
      ExpectCompleteWalk(query, seen, matches);
    }
  }
}

TEST_F(ProductServiceTest, LastPageHasNoCursor) {
  const auto page = RunSync(service_.List(Parse("limit=100&category=toys"), {}));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 50u);
  EXPECT_FALSE(page->next_cursor);
  const auto exact = RunSync(service_.List(Parse("limit=50&category=toys"), {}));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->items.size(), 50u);
  EXPECT_FALSE(exact->next_cursor) << "a page that ends exactly at the last row has no next page";
}

TEST_F(ProductServiceTest, GetReadsOneProduct) {
  auto found = RunSync(service_.Get(5, {}));
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(*found);
  EXPECT_EQ((*found)->name, "product 5");
  EXPECT_EQ((*found)->version, 1);
  auto missing = RunSync(service_.Get(9999, {}));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
}

TEST_F(ProductServiceTest, BatchIsOneQueryInRequestOrder) {
  keel::StageAccount stages;
  auto result = RunSync(service_.Batch({7, 9999, 3, 150}, {.stages = &stages}));
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->items.size(), 3u);
  EXPECT_EQ(result->items[0].id, 7);
  EXPECT_EQ(result->items[1].id, 3);
  EXPECT_EQ(result->items[2].id, 150);
  EXPECT_EQ(result->missing, std::vector<std::int64_t>{9999});
  EXPECT_EQ(stages.Count(keel::Stage::kDb), 1u);
}

TEST_F(ProductServiceTest, PatchBumpsVersionAndUpdatedAt) {
  auto updated = RunSync(service_.Patch(5, {.name = "renamed", .stock = 0}, {.versions = {1}}, {}));
  ASSERT_TRUE(updated.ok()) << updated.error().message();
  EXPECT_EQ(updated->name, "renamed");
  EXPECT_EQ(updated->stock, 0);
  EXPECT_EQ(updated->price_cents, rows_[5].price_cents);
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->updated_at, kNow);
  auto stale = RunSync(service_.Patch(5, {.stock = 3}, {.versions = {1}}, {}));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code(), keel::ErrorCode::kPreconditionFailed);
  auto any = RunSync(service_.Patch(5, {.stock = 3}, {.any = true}, {}));
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->version, 3);
  auto listed = RunSync(service_.Patch(5, {.stock = 4}, {.versions = {1, 3}}, {}));
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->version, 4);
  auto none = RunSync(service_.Patch(5, {.stock = 4}, {}, {}));
  EXPECT_EQ(none.error().code(), keel::ErrorCode::kPreconditionFailed);
  auto missing = RunSync(service_.Patch(9999, {.stock = 1}, {.any = true}, {}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), keel::ErrorCode::kNotFound);
}

// (The patch and condition are built by the caller: GCC 12 cannot hold a braced list's array in
// a coroutine frame.)
boost::asio::awaitable<void> PatchInto(ProductService& service, ProductPatch patch,
                                       VersionCondition condition,
                                       std::vector<keel::Result<Product>>& results) {
  results.push_back(co_await service.Patch(9, patch, condition, {}));
}

TEST_F(ProductServiceTest, ConcurrentPatchesOfOneVersionHaveOneWinner) {
  boost::asio::io_context io;
  std::vector<keel::Result<Product>> results;
  for (int i = 0; i < 8; ++i) {
    boost::asio::co_spawn(io, PatchInto(service_, {.stock = 100 + i}, {.versions = {1}}, results),
                          boost::asio::detached);
  }
  io.run();
  ASSERT_EQ(results.size(), 8u);
  int won = 0;
  for (const auto& r : results) {
    if (r) {
      ++won;
      EXPECT_EQ(r->version, 2);
    } else {
      EXPECT_EQ(r.error().code(), keel::ErrorCode::kPreconditionFailed);
    }
  }
  EXPECT_EQ(won, 1);
}

}  // namespace
}  // namespace shop::products
