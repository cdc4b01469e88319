// ProductCache over a real SQLite file with a manual clock: rows changed behind the cache's back
// (plain SQL) show what is served from memory and when it is dropped.
#include "src/products/cache.hpp"

#include <gtest/gtest.h>

#include "src/common/query_params.hpp"
#include "src/products/list_params.hpp"
#include "src/testing/test_db.hpp"

namespace shop::products {
namespace {

using namespace std::chrono_literals;
using testing::RunSync;

class ProductCacheTest : public ::testing::Test {
 protected:
  ProductCacheTest()
      : signer_("0123456789abcdef-test-secret"),
        store_(t_.db()),
        service_(store_, signer_, [] { return std::string("2030-01-01T00:00:00.000Z"); }) {
    for (int id = 1; id <= 6; ++id) {
      t_.Exec(
          "INSERT INTO products (id, name, category, price_cents, stock, rating, updated_at) "
          "VALUES (" +
          std::to_string(id) + ", 'p" + std::to_string(id) +
          "', 'books', 100, 5, 1.5, '2024-01-01T00:00:00.000Z')");
    }
  }

  ProductCacheSettings Settings(bool enabled = true) {
    ProductCacheSettings s{.enabled = enabled};
    s.by_id.max_weight = 1u << 20;  // bytes
    s.pages.max_weight = 1u << 20;
    s.by_id.ttl = 30s;
    s.by_id.negative_ttl = 5s;
    s.by_id.xfetch_beta = 0;  // no early refresh: the tests step the clock exactly
    s.pages.ttl = 2s;
    s.pages.xfetch_beta = 0;
    return s;
  }

  // Changes the row behind the cache's back.
  void Rename(std::int64_t id, const std::string& name) {
    t_.Exec("UPDATE products SET name = '" + name +
            "', version = version + 1 WHERE id = " + std::to_string(id));
  }

  std::string NameOf(ProductCache& cache, std::int64_t id,
                     keel::cache::CacheStatus* status = nullptr) {
    auto p = RunSync(cache.Get(id, {.status = status}));
    EXPECT_TRUE(p.ok()) << (p ? "" : p.error().message());
    return p ? (*p)->product.name : "";
  }

  ListQuery FirstPage(int limit) {
    FieldErrors errors;
    const ListQuery q = ParseListQuery(QueryParams::Parse("limit=" + std::to_string(limit), errors),
                                       signer_, errors);
    EXPECT_TRUE(errors.empty());
    return q;
  }

  std::vector<std::string> PageNames(ProductCache& cache, const ListQuery& q) {
    auto page = RunSync(cache.List(q, "", {}));
    EXPECT_TRUE(page.ok());
    std::vector<std::string> names;
    for (const Product& p : (*page)->items) {
      names.push_back(p.name);
    }
    return names;
  }

  testing::TestDb t_;
  CursorSigner signer_;
  ProductStore store_;
  ProductService service_;
  keel::ManualClock clock_;
};

TEST_F(ProductCacheTest, ServesFromMemoryUntilInvalidatedOrExpired) {
  ProductCache cache(service_, Settings(), clock_, nullptr);
  keel::cache::CacheStatus status{};
  EXPECT_EQ(NameOf(cache, 1, &status), "p1");
  EXPECT_EQ(status, keel::cache::CacheStatus::kMiss);
  Rename(1, "renamed");
  EXPECT_EQ(NameOf(cache, 1, &status), "p1");  // cached
  EXPECT_EQ(status, keel::cache::CacheStatus::kHit);

  cache.Invalidate(1);  // what PATCH does after its commit
  EXPECT_EQ(NameOf(cache, 1, &status), "renamed");
  EXPECT_EQ(status, keel::cache::CacheStatus::kMiss);

  Rename(1, "expired");
  clock_.Advance(29s);
  EXPECT_EQ(NameOf(cache, 1), "renamed");
  clock_.Advance(2s);  // past products ttl (no stale windows in these settings)
  EXPECT_EQ(NameOf(cache, 1), "expired");
}

TEST_F(ProductCacheTest, CachesNotFoundForTheNegativeTtl) {
  ProductCache cache(service_, Settings(), clock_, nullptr);
  keel::cache::CacheStatus status{};
  auto missing = RunSync(cache.Get(42, {.status = &status}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), keel::ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message(), "no product with id 42");

  t_.Exec(
      "INSERT INTO products (id, name, category, price_cents, stock, rating, updated_at) "
      "VALUES (42, 'late', 'books', 1, 1, 1, '2024-01-01T00:00:00.000Z')");
  auto again = RunSync(cache.Get(42, {.status = &status}));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(status, keel::cache::CacheStatus::kNegativeHit);
  clock_.Advance(6s);
  EXPECT_EQ(NameOf(cache, 42), "late");
}

TEST_F(ProductCacheTest, InvalidationDropsOnlyThePagesShowingTheProduct) {
  ProductCache cache(service_, Settings(), clock_, nullptr);
  const ListQuery two = FirstPage(2);    // products 1, 2
  const ListQuery three = FirstPage(3);  // products 1, 2, 3
  EXPECT_EQ(PageNames(cache, two), (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(PageNames(cache, three), (std::vector<std::string>{"p1", "p2", "p3"}));
  Rename(3, "new3");
  Rename(2, "new2");
  cache.Invalidate(3);
  // The page showing 3 is reloaded (and so shows the unannounced change of 2 as well); the page
  // without 3 is still the cached one.
  EXPECT_EQ(PageNames(cache, three), (std::vector<std::string>{"p1", "new2", "new3"}));
  EXPECT_EQ(PageNames(cache, two), (std::vector<std::string>{"p1", "p2"}));
  clock_.Advance(3s);  // past the short list ttl
  EXPECT_EQ(PageNames(cache, two), (std::vector<std::string>{"p1", "new2"}));
}

TEST_F(ProductCacheTest, PageKeysSeparateEveryShapeButNotTheFieldMask) {
  FieldErrors errors;
  auto parse = [&](const std::string& text) {
    return ParseListQuery(QueryParams::Parse(text, errors), signer_, errors);
  };
  EXPECT_EQ(PageKey(parse("limit=5&fields=id"), ""), PageKey(parse("limit=5&fields=name"), ""));
  EXPECT_NE(PageKey(parse("limit=5"), ""), PageKey(parse("limit=6"), ""));
  EXPECT_NE(PageKey(parse("limit=5"), ""), PageKey(parse("limit=5&sort=-price"), ""));
  EXPECT_NE(PageKey(parse("limit=5"), ""), PageKey(parse("limit=5&category=books"), ""));
  EXPECT_NE(PageKey(parse("limit=5"), ""), PageKey(parse("limit=5&in_stock=true"), ""));
  EXPECT_NE(PageKey(parse("limit=5"), ""), PageKey(parse("limit=5"), "cursor-text"));
  EXPECT_TRUE(errors.empty());
}

TEST_F(ProductCacheTest, WeightsGrowWithTheContent) {
  Product small{.name = "a"};
  Product big{.name = std::string(1000, 'x')};
  EXPECT_GT(ProductWeight(big), ProductWeight(small) + 900);
  Page page{.items = {small, big}};
  EXPECT_GT(PageWeight(page), ProductWeight(big));
  const CachedProduct cached(Product{.id = 7, .name = "x", .version = 3});
  EXPECT_EQ(cached.etag, "\"p7-v3\"");
  EXPECT_EQ(cached.json, ProductJson(cached.product));
  EXPECT_GT(CachedProductWeight(cached), ProductWeight(cached.product) + cached.json.size());
}

TEST_F(ProductCacheTest, DisabledReadsTheDatabaseEveryTime) {
  ProductCache cache(service_, Settings(false), clock_, nullptr);
  EXPECT_FALSE(cache.enabled());
  EXPECT_EQ(NameOf(cache, 1), "p1");
  Rename(1, "seen at once");
  EXPECT_EQ(NameOf(cache, 1), "seen at once");
  auto missing = RunSync(cache.Get(99, {}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), keel::ErrorCode::kNotFound);
  const ListQuery q = FirstPage(1);
  EXPECT_EQ(PageNames(cache, q), (std::vector<std::string>{"seen at once"}));
}

}  // namespace
}  // namespace shop::products
