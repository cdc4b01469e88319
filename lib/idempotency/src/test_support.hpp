// Test helpers for keel::idempotency: a migrated SQLite database in a temporary directory,
// coroutines run to the end, requests built by hand, and a metric sink that can be read.
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

using keel::testing::TestSink;

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
