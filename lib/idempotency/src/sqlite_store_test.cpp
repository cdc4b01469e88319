#include "keel/idempotency/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <string>

#include "keel/idempotency/config.hpp"
#include "test_support.hpp"

namespace keel::idempotency {
namespace {

using namespace std::chrono_literals;

constexpr data::Query kInsertOrder{"insert_order", "INSERT INTO orders (sku) VALUES (?)"};

class SqliteStoreTest : public ::testing::Test {
 protected:
  explicit SqliteStoreTest(std::int64_t max_keys = 1000)
      : store_(tdb_.db(), {.ttl = 1h, .lock_timeout = 10s, .max_keys = max_keys, .purge_batch = 2},
               &clock_) {}

  BeginResult Begin(const std::string& key, std::string_view body = "{}") {
    auto begun = testing::Await(
        io_, store_.Begin({"scope", key}, FingerprintRequest("POST", "/x", body), {}));
    EXPECT_TRUE(begun);
    return begun ? *begun : BeginResult{};
  }
  bool Complete(const KeyLease& lease, int status = 201) {
    auto done = testing::Await(io_, store_.Complete(lease, StoredResponse{.status = status}, {}));
    EXPECT_TRUE(done);
    return done && *done;
  }
  PurgeResult Purge() {
    auto purged = testing::Await(io_, store_.Purge({}));
    EXPECT_TRUE(purged);
    return purged ? *purged : PurgeResult{};
  }

  boost::asio::io_context io_;
  ManualClock clock_;
  testing::TestDatabase tdb_;
  SqliteIdempotencyStore store_;
};

TEST_F(SqliteStoreTest, LockTimeoutRuleIsExact) {
  const BeginResult first = Begin("k");
  ASSERT_EQ(first.kind, BeginResult::Kind::kStarted);
  EXPECT_FALSE(first.took_over);
  clock_.Advance(10s - 1ms);
  EXPECT_EQ(Begin("k").kind, BeginResult::Kind::kInFlight);
  EXPECT_EQ(Begin("k", "other").kind, BeginResult::Kind::kMismatch);  // never taken over
  clock_.Advance(1ms);
  const BeginResult second = Begin("k");
  ASSERT_EQ(second.kind, BeginResult::Kind::kStarted);
  EXPECT_TRUE(second.took_over);
  EXPECT_NE(second.lease.token, first.lease.token);

  EXPECT_FALSE(Complete(first.lease));  // the old holder lost its lease
  auto released = testing::Await(io_, store_.Release(first.lease, {}));
  EXPECT_TRUE(released);
  EXPECT_EQ(Begin("k").kind, BeginResult::Kind::kInFlight);  // its release changed nothing
  EXPECT_TRUE(Complete(second.lease, 202));
  const BeginResult replay = Begin("k");
  ASSERT_EQ(replay.kind, BeginResult::Kind::kReplay);
  EXPECT_EQ(replay.response.status, 202);
}

TEST_F(SqliteStoreTest, LostLeaseRollsBackTheBusinessChange) {
  const BeginResult first = Begin("k");
  clock_.Advance(10s);
  const BeginResult second = Begin("k");
  ASSERT_TRUE(second.took_over);
  auto done = tdb_.db().TransactionBlocking([&](data::Tx& tx) -> Result<void> {
    if (auto order = tx.Execute(kInsertOrder, data::Params("A-1")); !order) {
      return std::move(order).error();
    }
    return store_.CompleteInTx(tx, first.lease, StoredResponse{.status = 201});
  });
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(tdb_.Scalar("SELECT COUNT(*) FROM orders"), 0);
  EXPECT_EQ(Begin("k").kind, BeginResult::Kind::kInFlight);
}

TEST_F(SqliteStoreTest, PurgeDeletesExpiredKeys) {
  for (const char* key : {"a", "b", "c"}) {
    EXPECT_TRUE(Complete(Begin(key).lease));
  }
  clock_.Advance(30min);
  EXPECT_TRUE(Complete(Begin("d").lease));
  clock_.Advance(30min);
  const PurgeResult purged = Purge();
  EXPECT_EQ(purged.expired, 3);  // several batches of 2
  EXPECT_EQ(purged.remaining, 1);
  EXPECT_EQ(Begin("a").kind, BeginResult::Kind::kStarted);
  EXPECT_EQ(Begin("d").kind, BeginResult::Kind::kReplay);
}

class CappedStoreTest : public SqliteStoreTest {
 protected:
  CappedStoreTest() : SqliteStoreTest(3) {}
};

TEST_F(CappedStoreTest, PurgeEvictsTheOldestCompletedKeysBeyondTheCap) {
  const BeginResult running = Begin("running");
  for (const char* key : {"a", "b", "c", "d"}) {
    clock_.Advance(1s);
    EXPECT_TRUE(Complete(Begin(key).lease));
  }
  const PurgeResult purged = Purge();
  EXPECT_EQ(purged.evicted, 2);
  EXPECT_EQ(purged.remaining, 3);
  EXPECT_EQ(Begin("running").kind, BeginResult::Kind::kInFlight);  // live locks are kept
  EXPECT_EQ(Begin("a").kind, BeginResult::Kind::kStarted);
  EXPECT_EQ(Begin("d").kind, BeginResult::Kind::kReplay);
  (void)running;
}

TEST(IdempotencyConfig, DefaultsLoadAndContradictionsAreRefused) {
  ConfigSchema schema;
  AddIdempotencyConfig(schema);
  auto config = Config::Load(schema, {.environment = std::vector<std::string>{}});
  ASSERT_TRUE(config);
  auto settings = IdempotencySettingsFromConfig(*config);
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->store.ttl, 24h);
  EXPECT_EQ(settings->store.lock_timeout, 30s);
  EXPECT_EQ(settings->store.max_keys, 1'000'000);

  auto bad = Config::Load(
      schema, {.environment = std::vector<std::string>{},
               .overrides = {{"idempotency.ttl", "2m"}, {"idempotency.lock_timeout", "5m"}}});
  ASSERT_TRUE(bad);
  EXPECT_FALSE(IdempotencySettingsFromConfig(*bad));
}

}  // namespace
}  // namespace keel::idempotency
