// Test helpers for keel::jobs: a migrated SQLite database in a temporary directory, coroutines
// run to the end, requests built by hand, and a metric sink that can be read.
#pragma once

#include "keel/testing/coro.hpp"
#include "keel/testing/temp_dir.hpp"

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

// A MetricSink whose counters tests can read by name and one label value.
class TestSink final : public MetricSink {
 public:
  Counter& GetCounter(std::string_view name, std::string_view, const MetricLabels& l) override {
    return Get(counters_, name, l);
  }
  Gauge& GetGauge(std::string_view name, std::string_view, const MetricLabels& l) override {
    return Get(gauges_, name, l);
  }
  Histogram& GetHistogram(std::string_view name, std::string_view, const MetricLabels& l) override {
    return Get(histograms_, name, l);
  }
  std::uint64_t Count(std::string_view name, std::string_view label_value = "") {
    MetricLabels labels;
    if (!label_value.empty()) {
      labels.emplace_back("", std::string(label_value));
    }
    return Get(counters_, name, labels).Value();
  }

 private:
  // Label names are left out: tests ask by name and value.
  static std::string Key(std::string_view name, const MetricLabels& labels) {
    std::string key(name);
    for (const auto& label : labels) {
      key += "|" + label.second;
    }
    return key;
  }
  template <typename M>
  M& Get(std::map<std::string, std::unique_ptr<M>>& map, std::string_view name,
         const MetricLabels& labels) {
    auto& slot = map[Key(name, labels)];
    if (!slot) {
      slot = std::make_unique<M>();
    }
    return *slot;
  }
  std::map<std::string, std::unique_ptr<Counter>> counters_;
  std::map<std::string, std::unique_ptr<Gauge>> gauges_;
  std::map<std::string, std::unique_ptr<Histogram>> histograms_;
};

}  // namespace keel::jobs::testing
