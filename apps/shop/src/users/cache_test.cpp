// SummaryCache over a real SQLite file with a manual clock.
#include "src/users/cache.hpp"

#include <gtest/gtest.h>

#include "src/testing/test_db.hpp"

namespace shop::users {
namespace {

using namespace std::chrono_literals;
using testing::RunSync;

class SummaryCacheTest : public ::testing::Test {
 protected:
  SummaryCacheTest() : store_(t_.db()), service_(store_) {
    t_.Exec(
        "INSERT INTO users (id, email, name, created_at) VALUES "
        "(1, 'a@example.com', 'Ada', '2023-01-01T00:00:00.000Z');"
        "INSERT INTO user_summaries (user_id, order_count, total_spent_cents, updated_at) VALUES "
        "(1, 3, 4500, '2024-03-01T00:00:00.000Z')");
  }

  keel::cache::CacheSettings Settings() {
    return {.name = "user_summaries",
            .max_weight = 1u << 20,  // bytes
            .ttl = 5s,
            .negative_ttl = 2s,
            .xfetch_beta = 0};
  }

  std::int64_t Orders(SummaryCache& cache, std::int64_t id,
                      keel::cache::CacheStatus* status = nullptr) {
    auto s = RunSync(cache.Get(id, keel::Deadline::Never(), nullptr, status));
    EXPECT_TRUE(s.ok()) << (s ? "" : s.error().message());
    return s ? (*s)->order_count : -1;
  }

  testing::TestDb t_;
  UserStore store_;
  UserService service_;
  keel::ManualClock clock_;
};

TEST_F(SummaryCacheTest, CachesUntilInvalidatedOrExpired) {
  SummaryCache cache(service_, true, Settings(), clock_, nullptr);
  keel::cache::CacheStatus status{};
  EXPECT_EQ(Orders(cache, 1, &status), 3);
  EXPECT_EQ(status, keel::cache::CacheStatus::kMiss);
  t_.Exec("UPDATE user_summaries SET order_count = 4 WHERE user_id = 1");
  EXPECT_EQ(Orders(cache, 1, &status), 3);
  EXPECT_EQ(status, keel::cache::CacheStatus::kHit);
  cache.Invalidate(1);  // what an order write does after its commit
  EXPECT_EQ(Orders(cache, 1), 4);
  t_.Exec("UPDATE user_summaries SET order_count = 5 WHERE user_id = 1");
  clock_.Advance(6s);
  EXPECT_EQ(Orders(cache, 1), 5);
}

TEST_F(SummaryCacheTest, UnknownUsersAreNegativelyCached) {
  SummaryCache cache(service_, true, Settings(), clock_, nullptr);
  keel::cache::CacheStatus status{};
  auto missing = RunSync(cache.Get(2, keel::Deadline::Never(), nullptr, &status));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "no user with id 2");
  t_.Exec(
      "INSERT INTO users (id, email, name, created_at) VALUES "
      "(2, 'b@example.com', 'Bob', '2023-02-01T00:00:00.000Z')");
  EXPECT_FALSE(RunSync(cache.Get(2, keel::Deadline::Never(), nullptr, &status)).ok());
  EXPECT_EQ(status, keel::cache::CacheStatus::kNegativeHit);
  clock_.Advance(3s);
  EXPECT_EQ(Orders(cache, 2), 0);
}

TEST_F(SummaryCacheTest, DisabledReadsTheDatabaseEveryTime) {
  SummaryCache cache(service_, false, Settings(), clock_, nullptr);
  EXPECT_EQ(Orders(cache, 1), 3);
  t_.Exec("UPDATE user_summaries SET order_count = 9 WHERE user_id = 1");
  EXPECT_EQ(Orders(cache, 1), 9);
}

}  // namespace
}  // namespace shop::users
