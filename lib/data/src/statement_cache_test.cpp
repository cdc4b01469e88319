#include "statement_cache.hpp"

#include <gtest/gtest.h>

namespace keel::data::detail {
namespace {

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK); }
  void TearDown() override {
    cache_.reset();
    sqlite3_close(db_);
  }
  sqlite3* db_ = nullptr;
  std::unique_ptr<StatementCache> cache_;
};

TEST_F(StatementCacheTest, ReusesPreparedStatementsAndEvictsTheLeastRecentlyUsed) {
  Counter prepared;
  cache_ = std::make_unique<StatementCache>(db_, 2, &prepared);
  auto a = cache_->Get("a", "SELECT 1");
  auto b = cache_->Get("b", "SELECT 2");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*cache_->Get("a", "SELECT 1"), *a);  // hit: same statement; "SELECT 2" is now oldest
  EXPECT_EQ(cache_->hits(), 1u);
  ASSERT_TRUE(cache_->Get("c", "SELECT 3").ok());  // evicts "SELECT 2"
  EXPECT_EQ(cache_->size(), 2u);
  EXPECT_EQ(*cache_->Get("a", "SELECT 1"), *a);
  EXPECT_EQ(cache_->misses(), 3u);
  ASSERT_TRUE(cache_->Get("b", "SELECT 2").ok());  // prepared again
  EXPECT_EQ(cache_->misses(), 4u);
  EXPECT_EQ(prepared.Value(), 4u);
}

TEST_F(StatementCacheTest, RefusesScriptsAndBadSql) {
  cache_ = std::make_unique<StatementCache>(db_, 4, nullptr);
  EXPECT_TRUE(cache_->Get("ok", "SELECT 1; ").ok());
  auto two = cache_->Get("two", "SELECT 1; SELECT 2");
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message().find("exactly one statement"), std::string::npos);
  auto bad = cache_->Get("bad", "SELEKT 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInternal);
  EXPECT_NE(bad.error().message().find("query bad:"), std::string::npos);
  EXPECT_EQ(cache_->size(), 1u);
}

}  // namespace
}  // namespace keel::data::detail
