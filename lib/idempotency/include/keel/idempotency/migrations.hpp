// keel/idempotency/migrations.hpp — the schema of keel::idempotency's SQL store.
//
// Each entry carries a version in the reserved range 10000..10099. Apply them as a
// keel::data::MigrationSource of their own next to the application's (keel::data checks order and
// gaps per source), so the application can keep adding its own migrations below 10000:
//
//   const keel::data::MigrationSource sources[] = {
//       {"app", 1, 9999, app_migrations},
//       {"idempotency", keel::idempotency::kFirstMigrationVersion,
//        keel::idempotency::kLastMigrationVersion, keel::idempotency::Migrations()},
//   };
//   auto applied = keel::data::ApplyMigrations(db, sources);
//
// A later version of this module only appends entries; existing ones never change.
#pragma once

#include <cstdint>
#include <span>

#include "keel/data/migrations.hpp"

namespace keel::idempotency {

inline constexpr std::int64_t kFirstMigrationVersion = 10000;
inline constexpr std::int64_t kLastMigrationVersion = 10099;

// In version order; the entries and their SQL are constants (valid for the program's lifetime).
[[nodiscard]] std::span<const data::Migration> Migrations() noexcept;

}  // namespace keel::idempotency
