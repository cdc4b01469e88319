#include "keel/data/migrations.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "data_test_support.hpp"

namespace keel::data {
namespace {

using testing::TempDir;

const Migration kInit{1, "init",
                      "CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE INDEX a_id ON a (id);"};
const Migration kSecond{2, "add_b", "CREATE TABLE b (id INTEGER PRIMARY KEY);"};
const Migration kThird{3, "add_c", "CREATE TABLE c (id INTEGER PRIMARY KEY);"};

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<SqliteDatabase>(SqliteSettings{.path = dir_.File("m.db"), .readers = 1},
                                           nullptr);
    ASSERT_TRUE(db_->Open().ok());
  }
  Result<int> Apply(std::vector<Migration> list) { return ApplyMigrations(*db_, list); }
  // The rows of `sql`'s first column, read through the writer (startup-style).
  std::vector<std::string> Column(std::string_view sql) {
    std::vector<std::string> out;
    auto r = db_->TransactionBlocking([&](Tx& tx) -> Result<void> {
      auto rows = tx.Query({"probe", sql}, {});
      if (!rows) {
        return std::move(rows).error();
      }
      for (const Row& row : *rows) {
        out.emplace_back(row.Text(0));
      }
      return {};
    });
    EXPECT_TRUE(r.ok()) << r.error().message();
    return out;
  }
  std::vector<std::string> Tables() {
    return Column("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  }

  TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

TEST_F(MigrationsTest, AppliesPendingInOrderAndRecordsThem) {
  std::vector<std::int64_t> seen;
  std::vector<Migration> list{kInit, kSecond};
  auto n = ApplyMigrations(*db_, list, [&](const Migration& m) { seen.push_back(m.version); });
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(Tables(), (std::vector<std::string>{"a", "b", "schema_migrations"}));
  EXPECT_EQ(Column("SELECT name FROM schema_migrations ORDER BY version"),
            (std::vector<std::string>{"init", "add_b"}));
  const auto checksum = Column("SELECT checksum FROM schema_migrations WHERE version = 1");
  ASSERT_EQ(checksum.size(), 1u);
  EXPECT_EQ(checksum[0].size(), 64u);  // hex SHA-256
  const auto applied_at = Column("SELECT applied_at FROM schema_migrations WHERE version = 1");
  EXPECT_EQ(applied_at.at(0).back(), 'Z');
}

TEST_F(MigrationsTest, ReRunIsIdempotentAndAppliesOnlyNewOnes) {
  ASSERT_EQ(*Apply({kInit}), 1);
  EXPECT_EQ(*Apply({kInit}), 0);
  EXPECT_EQ(*Apply({kInit, kSecond}), 1);
  EXPECT_EQ(*Apply({kInit, kSecond}), 0);
}

TEST_F(MigrationsTest, ChangedChecksumNamesTheVersion) {
  ASSERT_TRUE(Apply({kInit, kSecond}).ok());
  Migration edited = kSecond;
  edited.sql = "CREATE TABLE b (id INTEGER PRIMARY KEY, extra TEXT);";
  auto r = Apply({kInit, edited});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("migration 2 (add_b) was changed after it was applied"),
            std::string::npos)
      << r.error().message();
}

TEST_F(MigrationsTest, GapBelowTheNewestAppliedIsRefused) {
  ASSERT_EQ(*Apply({kInit, kThird}), 2);
  auto r = Apply({kInit, kSecond, kThird});  // 2 arrived after 3 was applied
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("migration 2 (add_b) is not applied"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(Tables(), (std::vector<std::string>{"a", "c", "schema_migrations"}));
}

TEST_F(MigrationsTest, VersionsMustBeStrictlyIncreasing) {
  auto r = Apply({kSecond, kInit});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("strictly increasing"), std::string::npos);
  EXPECT_FALSE(Apply({kInit, kInit}).ok());
}

TEST_F(MigrationsTest, AppliedMigrationMissingFromTheBuildIsRefused) {
  ASSERT_TRUE(Apply({kInit, kSecond, kThird}).ok());
  auto r = Apply({kInit, kThird});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("applied migration 2 (add_b) is missing"), std::string::npos);
  // A newer build's migrations beyond this build's newest are tolerated (binary rollback).
  EXPECT_EQ(*Apply({kInit, kSecond}), 0);
}

TEST_F(MigrationsTest, FailedMigrationIsRolledBackAndNotRecorded) {
  const Migration broken{2, "broken", "CREATE TABLE b (id INTEGER); CREATE TABLE a (id INTEGER);"};
  auto r = Apply({kInit, broken});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("migration 2 (broken) failed"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(Tables(), (std::vector<std::string>{"a", "schema_migrations"}));
  EXPECT_EQ(*Apply({kInit, kSecond}), 1);  // fixed, it applies
}

const Migration kModuleA{10000, "module_a", "CREATE TABLE ma (id INTEGER PRIMARY KEY);"};
const Migration kModuleB{10001, "module_b", "CREATE TABLE mb (id INTEGER PRIMARY KEY);"};

TEST_F(MigrationsTest, SourcesKeepTheirOwnOrderSoAppAndModulesGrowIndependently) {
  const std::vector<Migration> app1{kInit};
  const std::vector<Migration> app2{kInit, kSecond};
  const std::vector<Migration> mod1{kModuleA};
  const std::vector<Migration> mod2{kModuleA, kModuleB};
  // An existing database: the application's 1 is applied, the module arrives later.
  ASSERT_EQ(*Apply({kInit}), 1);
  const MigrationSource first[] = {{"app", 1, 9999, app1}, {"module", 10000, 10099, mod1}};
  ASSERT_EQ(*ApplyMigrations(*db_, first), 1);
  // The application's 2 after the module's 10000, then the module's 10001 after 2.
  const MigrationSource second[] = {{"app", 1, 9999, app2}, {"module", 10000, 10099, mod1}};
  std::vector<std::int64_t> seen;
  ASSERT_EQ(*ApplyMigrations(*db_, second, [&](const Migration& m) { seen.push_back(m.version); }),
            1);
  const MigrationSource third[] = {{"app", 1, 9999, app2}, {"module", 10000, 10099, mod2}};
  ASSERT_EQ(*ApplyMigrations(*db_, third, [&](const Migration& m) { seen.push_back(m.version); }),
            1);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{2, 10001}));
  EXPECT_EQ(*ApplyMigrations(*db_, third), 0);
  EXPECT_EQ(Tables(), (std::vector<std::string>{"a", "b", "ma", "mb", "schema_migrations"}));
}

TEST_F(MigrationsTest, GapWithinASourceIsStillRefused) {
  const std::vector<Migration> app13{kInit, kThird};
  const std::vector<Migration> app123{kInit, kSecond, kThird};
  const std::vector<Migration> mod{kModuleA};
  const MigrationSource before[] = {{"app", 1, 9999, app13}, {"module", 10000, 10099, mod}};
  ASSERT_EQ(*ApplyMigrations(*db_, before), 3);
  const MigrationSource after[] = {{"app", 1, 9999, app123}, {"module", 10000, 10099, mod}};
  auto r = ApplyMigrations(*db_, after);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("migration 2 (add_b) is not applied"), std::string::npos)
      << r.error().message();
}

TEST_F(MigrationsTest, SourcesMustNotOverlapAndMigrationsStayInTheirRange) {
  const std::vector<Migration> app{kInit};
  const std::vector<Migration> mod{kModuleA};
  const MigrationSource overlap[] = {{"app", 1, 10000, app}, {"module", 10000, 10099, mod}};
  auto r = ApplyMigrations(*db_, overlap);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("overlaps"), std::string::npos) << r.error().message();
  const MigrationSource outside[] = {{"app", 1, 9999, mod}};
  r = ApplyMigrations(*db_, outside);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("outside the range"), std::string::npos)
      << r.error().message();
  // A module this build does not embed (applied by a newer build) is tolerated.
  const MigrationSource with_module[] = {{"app", 1, 9999, app}, {"module", 10000, 10099, mod}};
  ASSERT_EQ(*ApplyMigrations(*db_, with_module), 2);
  const MigrationSource app_only[] = {{"app", 1, 9999, app}};
  EXPECT_EQ(*ApplyMigrations(*db_, app_only), 0);
}

}  // namespace
}  // namespace keel::data
