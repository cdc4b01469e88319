// `keel-shop seed`: fills an empty shop database with the generator's data set, in large
// transactions of prepared INSERTs, reporting progress about every 10 % and the elapsed time.
// User summaries are accumulated while orders are written and stored at the end, exactly as
// order creation maintains them (never aggregated on read).
//
//   auto report = shop::seed::Seed(db, {.users = 100, .products = 500, .orders = 300},
//                                  [](std::string_view line) { std::puts(...); });
//
// Blocking (TransactionBlocking): for the command line, before any server runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <keel/core/error.hpp>
#include <keel/data/sqlite_database.hpp>
#include <string_view>

#include "src/seed/generator.hpp"

namespace shop::seed {

using ProgressFn = std::function<void(std::string_view line)>;

struct SeedReport {
  std::int64_t users = 0;
  std::int64_t products = 0;
  std::int64_t orders = 0;
  std::int64_t order_items = 0;
  std::chrono::milliseconds elapsed{0};
};

// kInvalidArgument for counts out of range (negative, or orders without users or products).
[[nodiscard]] keel::Result<void> ValidateOptions(const SeedOptions& options);
// True when users, products or orders hold any row.
[[nodiscard]] keel::Result<bool> HasData(keel::data::SqliteDatabase& db);
// Deletes every user, product, order, item and summary (for --force), in one transaction.
[[nodiscard]] keel::Result<void> Clear(keel::data::SqliteDatabase& db);
// Writes the data set into an empty database.
[[nodiscard]] keel::Result<SeedReport> Seed(keel::data::SqliteDatabase& db,
                                            const SeedOptions& options, const ProgressFn& progress);

}  // namespace shop::seed
