// keel/idempotency/migrations.hpp — the schema of keel::idempotency's SQL store.
//
// Each entry carries a version in the reserved range 10000..10099. keel::data refuses an unapplied
// version below the newest applied one (a gap), so an application that appends these entries as
// they are can never add a migration of its own below 10000 afterwards. Until keel::data knows
// version ranges, number them into your own sequence instead (same name and SQL; the checksum is
// of the SQL, so an entry must keep its number once applied):
//
//   const keel::data::Migration kAll[] = {
//       {1, "init", kInitSql},
//       {2, "idempotency_keys", keel::idempotency::Migrations()[0].sql},
//   };
//   auto applied = keel::data::ApplyMigrations(db, kAll);
//
// A later version of this module only appends entries; existing ones never change.
#pragma once

#include <cstdint>
#include <span>

#include "keel/data/migrations.hpp"

namespace keel::idempotency {

inline constexpr std::int64_t kFirstMigrationVersion = 10000;

// In version order; the entries and their SQL are constants (valid for the program's lifetime).
[[nodiscard]] std::span<const data::Migration> Migrations() noexcept;

}  // namespace keel::idempotency
