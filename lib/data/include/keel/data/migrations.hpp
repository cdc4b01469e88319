// keel/data/migrations.hpp — versioned schema migrations.
//
// Each migration is applied in its own transaction and recorded in `schema_migrations` (version,
// name, checksum = hex SHA-256 of the SQL, applied_at in UTC). Already-applied migrations are
// skipped; one whose SQL changed since it was applied is an error (checksum mismatch), as is a
// gap: a pending migration older than the newest applied one (e.g. merged after a later one ran).
// Applied versions newer than this build's newest are tolerated, so an older binary can be rolled
// back to; an applied version this build lacks below its newest is an error. Two instances
// starting at once are safe: each migration re-checks inside its transaction (BEGIN IMMEDIATE).
//
//   const keel::data::Migration kShopMigrations[] = {{1, "init", kInitSql}, ...};
//   auto applied = keel::data::ApplyMigrations(db, kShopMigrations, progress);
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "keel/core/error.hpp"
#include "keel/data/sqlite_database.hpp"

namespace keel::data {

struct Migration {
  std::int64_t version;
  std::string_view name;
  std::string_view sql;  // one or more statements
};

// Applies pending migrations in version order on the calling thread (startup only, via
// TransactionBlocking; `migrations` must be sorted by strictly increasing version >= 1). Returns
// how many were applied. `progress`, if set, is called before each one is applied. Errors
// (kInternal, naming the version and name): unordered versions, checksum mismatch, gap, missing
// applied migration, or the migration's SQL failing (that migration is rolled back; earlier ones
// stay applied). A migration must not contain BEGIN/COMMIT (it already runs in a transaction).
[[nodiscard]] Result<int> ApplyMigrations(
    SqliteDatabase& db, std::span<const Migration> migrations,
    const std::function<void(const Migration&)>& progress = {});

}  // namespace keel::data
