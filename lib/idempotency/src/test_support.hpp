// Test helpers for keel::idempotency: a migrated SQLite database in a temporary directory,
// coroutines run to the end, requests built by hand, and a metric sink that can be read.
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
#include "keel/http/handler.hpp"
#include "keel/idempotency/migrations.hpp"

namespace keel::idempotency::testing {

using keel::testing::Await;
using keel::testing::TempDir;

// A migrated database with a business table `orders(id, sku)`.
class TestDatabase {
 public:
  TestDatabase() : db_({.path = dir_.File("test.db"), .readers = 2}, nullptr) {
    EXPECT_TRUE(db_.Open());
    std::vector<data::Migration> all(Migrations().begin(), Migrations().end());
    auto applied = data::ApplyMigrations(db_, all);
    EXPECT_TRUE(applied) << (applied ? "" : applied.error().message());
    auto orders = db_.TransactionBlocking([](data::Tx& tx) {
      return tx.ExecuteScript("orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY, sku TEXT)");
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

// A request built from owned strings (a Request only holds views).
struct TestRequest {
  std::string method = "POST";
  std::string target = "/v1/orders";
  std::string body = R"({"sku":"A-1"})";
  std::string remote = "10.0.0.1";
  std::vector<std::pair<std::string, std::string>> headers;

  TestRequest& Key(std::string key) {
    headers.emplace_back("Idempotency-Key", std::move(key));
    return *this;
  }
  TestRequest& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// Runs `chain` + `handler` for `spec` on `io` and returns the response.
inline http::Response Serve(boost::asio::io_context& io, const http::MiddlewareChain& chain,
                            const http::Handler& handler, const TestRequest& spec) {
  http::Headers headers;
  for (const auto& [name, value] : spec.headers) {
    headers.Add(name, value);
  }
  const std::string_view target = spec.target;
  const auto q = target.find('?');
  http::Request request;
  request.Assign({.method = http::ParseMethod(spec.method),
                  .method_text = spec.method,
                  .target = target,
                  .path = target.substr(0, q),
                  .query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1),
                  .version_minor = 1,
                  .body = spec.body,
                  .remote_address = spec.remote},
                 headers);
  http::RequestContext ctx;
  ctx.Reset("test-request", Deadline::After(std::chrono::seconds(5)));
  return Await(io, http::RunChain(chain, handler, request, ctx));
}

}  // namespace keel::idempotency::testing
