// Test helpers for keel::jobs: a migrated SQLite database in a temporary directory, coroutines
// run to the end, requests built by hand, and a metric sink that can be read.
#pragma once

#include "keel/testing/coro.hpp"
#include "keel/testing/temp_dir.hpp"
#include "keel/testing/test_sink.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keel/core/metrics.hpp"
#include "keel/data/migrations.hpp"
#include "keel/data/sqlite_database.hpp"
#include "keel/jobs/migrations.hpp"

namespace keel::jobs::testing {

using keel::testing::Await;
using keel::testing::RunUntil;
using keel::testing::TempDir;

// A migrated database with business tables `orders(id, sku)` and `notifications(event_key
// UNIQUE, body)` (a consumer's effect, deduplicated by the event).
class TestDatabase {
 public:
  TestDatabase() : db_({.path = dir_.File("test.db"), .readers = 2}, nullptr) {
    EXPECT_TRUE(db_.Open());
    std::vector<data::Migration> all(Migrations().begin(), Migrations().end());
    auto applied = data::ApplyMigrations(db_, all);
    EXPECT_TRUE(applied) << (applied ? "" : applied.error().message());
    auto orders = db_.TransactionBlocking([](data::Tx& tx) {
      return tx.ExecuteScript("orders",
                              "CREATE TABLE orders (id INTEGER PRIMARY KEY, sku TEXT);"
                              "CREATE TABLE notifications (id INTEGER PRIMARY KEY, "
                              "event_key TEXT NOT NULL UNIQUE, body TEXT NOT NULL)");
    });
    EXPECT_TRUE(orders);
  }
  [[nodiscard]] data::SqliteDatabase& db() noexcept { return db_; }

  // A single integer from `sql` (blocking; tests only).
  std::int64_t Scalar(std::string_view sql) {
    std::int64_t value = -1;
    auto done = db_.TransactionBlocking([&](data::Tx& tx) -> Result<void> {
      auto rows = tx.Query({"scalar", sql}, {});
      if (!rows) {
        return std::move(rows).error();
      }
      value = rows->empty() ? 0 : (*rows)[0].Int(0);
      return {};
    });
    EXPECT_TRUE(done);
    return value;
  }

 private:
  TempDir dir_;
  data::SqliteDatabase db_;
};

using keel::testing::TestSink;

}  // namespace keel::jobs::testing
