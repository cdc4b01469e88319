#include "keel/data/sqlite_database.hpp"

#include <gtest/gtest.h>

#include "data_test_support.hpp"

namespace keel::data {
namespace {

using namespace std::chrono_literals;
using testing::Await;
using testing::TempDir;

constexpr std::string_view kSchema =
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT,"
    " score REAL, avatar BLOB);";
constexpr Query kInsertUser{"insert_user",
                            "INSERT INTO users (email, name, score, avatar) VALUES (?, ?, ?, ?)"};
constexpr Query kUserByEmail{"user_by_email",
                             "SELECT id, email, name, score, avatar FROM users WHERE email = ?"};
constexpr Query kCountUsers{"count_users", "SELECT count(*) FROM users"};

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<SqliteDatabase>(
        SqliteSettings{.name = "t", .path = dir_.File("t.db"), .readers = 2}, &sink_);
    ASSERT_TRUE(db_->Open().ok());
    auto created =
        db_->TransactionBlocking([](Tx& tx) { return tx.ExecuteScript("schema", kSchema); });
    ASSERT_TRUE(created.ok()) << created.error().message();
  }

  Result<ExecResult> Insert(std::string email, SqlValue score = 1.5) {
    return Await(io_, db_->Execute(kInsertUser, {std::move(email), "Ann", score, nullptr}, {}));
  }
  std::int64_t CountUsers() {
    auto rows = Await(io_, db_->Query(kCountUsers, {}, {}));
    return rows ? (*rows)[0].Int(0) : -1;
  }

  TempDir dir_;
  DiscardingMetricSink sink_;
  boost::asio::io_context io_;
  std::unique_ptr<SqliteDatabase> db_;
};

TEST_F(SqliteDatabaseTest, ExecuteThenQueryReadsEachColumnByType) {
  Blob avatar{{0x00, 0xff, 0x10}};
  auto inserted = Await(io_, db_->Execute(kInsertUser, {"a@x", nullptr, 2.25, avatar}, {}));
  ASSERT_TRUE(inserted.ok()) << inserted.error().message();
  EXPECT_EQ(inserted->rows_affected, 1);
  EXPECT_EQ(inserted->last_insert_id, 1);

  auto rows = Await(io_, db_->Query(kUserByEmail, {"a@x"}, {}));
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"id", "email", "name", "score", "avatar"}));
  const Row& row = (*rows)[0];
  EXPECT_EQ(row.Int(0), 1);
  EXPECT_EQ(row.Text(1), "a@x");
  EXPECT_TRUE(row.IsNull(2));
  EXPECT_DOUBLE_EQ(row.Double(3), 2.25);
  ASSERT_TRUE(std::holds_alternative<Blob>(row[4].storage()));
  EXPECT_EQ(std::get<Blob>(row[4].storage()).bytes, avatar.bytes);
  EXPECT_EQ(rows->Column("score"), 3u);
}

// The settings of a background-scan database (a report's reads): pread instead of a memory map,
// SCHED_IDLE connection threads that yield inside long queries; queries still work.
TEST_F(SqliteDatabaseTest, BackgroundScanSettingsDisableTheMemoryMapAndRunOnIdleThreads) {
  ASSERT_TRUE(Insert("a@x").ok());
  SqliteDatabase scans(SqliteSettings{.name = "scan",
                                      .path = dir_.File("t.db"),
                                      .readers = 1,
                                      .idle_scheduling = true,
                                      .memory_mapped = false},
                       &sink_);
  ASSERT_TRUE(scans.Open().ok());
  auto mmap = Await(io_, scans.Query(Query{"mmap", "PRAGMA mmap_size"}, {}, {}));
  ASSERT_TRUE(mmap.ok()) << mmap.error().message();
  EXPECT_EQ((*mmap)[0].Int(0), 0);
  // A query long enough to pass the progress handler (and its yield) many times.
  auto counted =
      Await(io_, scans.Query(Query{"series",
                                   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                                   "FROM n WHERE i < 100000) SELECT count(*) FROM n"},
                             {}, {}));
  ASSERT_TRUE(counted.ok()) << counted.error().message();
  EXPECT_EQ((*counted)[0].Int(0), 100000);
  auto users = Await(io_, scans.Query(kCountUsers, {}, {}));
  ASSERT_TRUE(users.ok()) << users.error().message();
  EXPECT_EQ((*users)[0].Int(0), 1);
  // The default keeps the 256 MiB map.
  auto main_mmap = Await(io_, db_->Query(Query{"mmap", "PRAGMA mmap_size"}, {}, {}));
  ASSERT_TRUE(main_mmap.ok());
  EXPECT_EQ((*main_mmap)[0].Int(0), 268435456);
}

TEST_F(SqliteDatabaseTest, ConstraintViolationIsConflictNamingTheConstraint) {
  ASSERT_TRUE(Insert("dup@x").ok());
  auto again = Insert("dup@x");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  EXPECT_NE(again.error().message().find("UNIQUE constraint failed: users.email"),
            std::string::npos)
      << again.error().message();
  EXPECT_EQ(sink_
                .GetCounter("keel_db_query_errors_total", "",
                            {{"db", "t"}, {"query", "insert_user"}, {"kind", "conflict"}})
                .Value(),
            1u);
}

TEST_F(SqliteDatabaseTest, ParametersAreValuesNeverSql) {
  const std::string evil = "x'); DROP TABLE users; --";
  ASSERT_TRUE(Insert(evil).ok());
  auto rows = Await(io_, db_->Query(kUserByEmail, {evil}, {}));
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Text(1), evil);
  auto none = Await(io_, db_->Query(kUserByEmail, {"' OR '1'='1"}, {}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(CountUsers(), 1);
}

TEST_F(SqliteDatabaseTest, PreparedStatementsAreReused) {
  auto& prepared =
      sink_.GetCounter("keel_db_statements_prepared_total", "", {{"db", "t"}, {"role", "reader"}});
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(CountUsers(), 0);
  }
  // Two readers: each prepares the statement at most once.
  EXPECT_GE(prepared.Value(), 1u);
  EXPECT_LE(prepared.Value(), 2u);
}

TEST_F(SqliteDatabaseTest, TransactionCommits) {
  auto r =
      Await(io_, db_->Transaction(
                     [](Tx& tx) -> Result<void> {
                       for (const char* email : {"a@x", "b@x"}) {
                         if (auto e = tx.Execute(kInsertUser, {email, "A", 1.0, nullptr}); !e) {
                           return std::move(e).error();
                         }
                       }
                       auto rows = tx.Query(kCountUsers, {});
                       EXPECT_EQ(rows ? (*rows)[0].Int(0) : -1, 2);  // own writes visible
                       return {};
                     },
                     {}));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(CountUsers(), 2);
}

TEST_F(SqliteDatabaseTest, TransactionRollsBackWhenTheBodyFails) {
  auto r = Await(io_, db_->Transaction(
                          [](Tx& tx) -> Result<void> {
                            (void)tx.Execute(kInsertUser, {"a@x", "A", 1.0, nullptr});
                            return Error(ErrorCode::kUnprocessable, "out of stock");
                          },
                          {}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnprocessable);  // passed through
  EXPECT_EQ(r.error().message(), "out of stock");
  EXPECT_EQ(CountUsers(), 0);
}

TEST_F(SqliteDatabaseTest, TransactionRollsBackWhenAStatementFailedEvenIfIgnored) {
  ASSERT_TRUE(Insert("dup@x").ok());
  auto r = Await(io_, db_->Transaction(
                          [](Tx& tx) -> Result<void> {
                            (void)tx.Execute(kInsertUser, {"new@x", "A", 1.0, nullptr});
                            (void)tx.Execute(kInsertUser, {"dup@x", "A", 1.0, nullptr});
                            return {};  // ignores the conflict: the transaction is still doomed
                          },
                          {}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(CountUsers(), 1);
}

TEST_F(SqliteDatabaseTest, TransactionBodyExceptionRollsBack) {
  auto r = Await(io_, db_->Transaction(
                          [](Tx& tx) -> Result<void> {
                            (void)tx.Execute(kInsertUser, {"a@x", "A", 1.0, nullptr});
                            throw std::runtime_error("boom");
                          },
                          {}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  EXPECT_EQ(CountUsers(), 0);
  EXPECT_TRUE(Insert("b@x").ok());  // the writer is usable afterwards
}

TEST_F(SqliteDatabaseTest, EachCallAddsToTheDbStage) {
  StageAccount stages;
  CallOptions options{.deadline = Deadline::After(5s), .stages = &stages};
  ASSERT_TRUE(Await(io_, db_->Query(kCountUsers, {}, options)).ok());
  ASSERT_TRUE(Await(io_, db_->Execute(kInsertUser, {"a@x", "A", 1.0, nullptr}, options)).ok());
  ASSERT_TRUE(Await(io_, db_->Transaction([](Tx&) { return Result<void>(); }, options)).ok());
  EXPECT_EQ(stages.Count(Stage::kDb), 3u);
  EXPECT_GT(stages.Total(Stage::kDb), 0ns);
}

TEST_F(SqliteDatabaseTest, MisuseIsInternalError) {
  auto two = Await(io_, db_->Query({"two", "SELECT 1; SELECT 2"}, {}, {}));
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().code(), ErrorCode::kInternal);
  auto arity = Await(io_, db_->Query(kUserByEmail, {}, {}));
  ASSERT_FALSE(arity.ok());
  EXPECT_NE(arity.error().message().find("takes 1 parameters, got 0"), std::string::npos);
  auto syntax = Await(io_, db_->Query({"bad", "SELEC 1"}, {}, {}));
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code(), ErrorCode::kInternal);
  // Readers are read-only connections: a write through Query fails instead of racing the writer.
  auto write = Await(io_, db_->Query(kInsertUser, {"a@x", "A", 1.0, nullptr}, {}));
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(CountUsers(), 0);
}

TEST_F(SqliteDatabaseTest, ParamsBuildsParametersInsideACoroutine) {
  auto flow = [this]() -> boost::asio::awaitable<Result<ResultSet>> {
    // Params(...) rather than a braced list: g++ 12 rejects the latter inside co_await.
    auto inserted = co_await db_->Execute(kInsertUser, Params("c@x", "Cy", 3, Blob{}), {});
    if (!inserted) {
      co_return std::move(inserted).error();
    }
    co_return co_await db_->Query(kUserByEmail, Params(std::string("c@x")), {});
  };
  auto rows = Await(io_, flow());
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Text(2), "Cy");
  EXPECT_DOUBLE_EQ((*rows)[0].Double(3), 3.0);  // REAL affinity stores the int 3 as 3.0
  // An empty BLOB stays an empty BLOB (not NULL).
  EXPECT_FALSE((*rows)[0].IsNull(4));
}

TEST(SqliteDatabase, RefusesCallsWhenNotOpen) {
  TempDir dir;
  boost::asio::io_context io;
  SqliteDatabase db({.path = dir.File("x.db")}, nullptr);
  auto r = Await(io, db.Query(kCountUsers, {}, {}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

TEST(SqliteDatabase, OpenValidatesSettings) {
  TempDir dir;
  for (SqliteSettings bad : {SqliteSettings{.path = ""}, SqliteSettings{.path = ":memory:"},
                             SqliteSettings{.path = dir.File("a.db"), .readers = 0},
                             SqliteSettings{.path = dir.File("a.db"), .readers = 65},
                             SqliteSettings{.path = dir.File("a.db"), .query_timeout = 0s}}) {
    SqliteDatabase db(bad, nullptr);
    auto opened = db.Open();
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(SqliteDatabase, OpenFailsOnAnUnwritablePath) {
  SqliteDatabase db({.path = "/nonexistent-dir/x.db"}, nullptr);
  auto opened = db.Open();
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message().find("/nonexistent-dir/x.db"), std::string::npos);
}

TEST(SqliteDatabase, ConfigDeclaresAndReadsSettings) {
  ConfigSchema schema;
  AddSqliteConfig(schema, "db", "var/shop.db");
  ConfigSources sources;
  sources.environment = std::vector<std::string>{};
  sources.overrides = {{"db.readers", "8"}, {"db.acquire_timeout", "250ms"}};
  auto config = Config::Load(schema, sources);
  ASSERT_TRUE(config.ok()) << config.error().message();
  SqliteSettings s = SqliteSettingsFromConfig(*config, "db");
  EXPECT_EQ(s.name, "db");
  EXPECT_EQ(s.path, "var/shop.db");
  EXPECT_EQ(s.readers, 8u);
  EXPECT_EQ(s.acquire_timeout, 250ms);
  EXPECT_TRUE(ValidateSqliteSettings(s).ok());

  sources.overrides = {{"db.readers", "0"}};
  EXPECT_FALSE(Config::Load(schema, sources).ok());
  sources.overrides = {{"db.path", ":memory:"}};
  EXPECT_FALSE(Config::Load(schema, sources).ok());
}

}  // namespace
}  // namespace keel::data
