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
//
// Several sources (the application and the modules it embeds, e.g. keel::idempotency and
// keel::jobs) each own a reserved version range; every rule above holds per range, so an
// application can add its own migration 2 after a module's 10000 ran, and a module can append
// 10001 after the application's 7 ran:
//
//   const keel::data::MigrationSource kSources[] = {
//       {"shop", 1, 9999, shop::Migrations()},
//       {"idempotency", 10000, 10099, keel::idempotency::Migrations()},
//       {"jobs", 10100, 10199, keel::jobs::Migrations()},
//   };
//   auto applied = keel::data::ApplyMigrations(db, kSources, progress);
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

// A set of migrations owning the versions [first, last]; ranges of sources applied together must
// not overlap. `name` appears in errors.
struct MigrationSource {
  std::string_view name;
  std::int64_t first;
  std::int64_t last;
  std::span<const Migration> migrations;
};

// Applies each source's pending migrations, source by source in the given order (so a source may
// depend on the tables of an earlier one), each as ApplyMigrations above with the order, gap,
// missing and rollback rules evaluated within the source's range only. Applied versions outside
// every range are tolerated (a module a newer build added). Errors also for overlapping ranges or a
// migration outside its source's range. The single-list overload is one source over [1, max].
[[nodiscard]] Result<int> ApplyMigrations(
    SqliteDatabase& db, std::span<const MigrationSource> sources,
    const std::function<void(const Migration&)>& progress = {});

}  // namespace keel::data
