// Test support (header-only, used by *_test.cpp): a migrated SQLite database in a fresh temporary
// directory, and RunSync to drive a coroutine to completion on a private io_context.
//
//   shop::testing::TestDb t;
//   auto product = shop::testing::RunSync(store.ById(1, {}));
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <filesystem>
#include <keel/data/sqlite_database.hpp>
#include <memory>
#include <optional>
#include <string>

#include "src/app/startup.hpp"

namespace shop::testing {

template <typename T>
boost::asio::awaitable<void> StoreResult(boost::asio::awaitable<T> op, std::optional<T>& out) {
  out.emplace(co_await std::move(op));
}

// Runs `op` to completion and returns its value (the database's workers resume it here).
template <typename T>
T RunSync(boost::asio::awaitable<T> op) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(io, StoreResult(std::move(op), out), boost::asio::detached);
  io.run();
  return std::move(*out);
}

class TestDb {
 public:
  explicit TestDb(std::size_t readers = 2) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "keel-shop-test-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    settings_.path = dir_ + "/shop.db";
    settings_.readers = readers;
    db_ = std::make_unique<keel::data::SqliteDatabase>(settings_, nullptr);
    auto opened = OpenDatabase(*db_, settings_);
    EXPECT_TRUE(opened.ok()) << (opened ? "" : opened.error().message());
    auto migrated = Migrate(*db_, {});
    EXPECT_TRUE(migrated.ok()) << (migrated ? "" : migrated.error().message());
  }
  ~TestDb() {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  TestDb(const TestDb&) = delete;
  TestDb& operator=(const TestDb&) = delete;

  [[nodiscard]] keel::data::SqliteDatabase& db() noexcept { return *db_; }
  [[nodiscard]] const std::string& path() const noexcept { return settings_.path; }

  // Runs one SQL script on the writer (test fixtures); fails the test on error.
  void Exec(std::string_view sql) {
    auto done = db_->TransactionBlocking(
        [&](keel::data::Tx& tx) { return tx.ExecuteScript("test_fixture", sql); });
    ASSERT_TRUE(done.ok()) << done.error().message();
  }

 private:
  std::string dir_;
  keel::data::SqliteSettings settings_;
  std::unique_ptr<keel::data::SqliteDatabase> db_;
};

}  // namespace shop::testing
