// keel/jobs/migrations.hpp — the schema of keel::jobs' SQL queue and outbox.
//
// Versions are in the reserved range 10100..10199 (keel::idempotency has 10000..10099). Apply them
// as a keel::data::MigrationSource of their own next to the application's, so either side can
// add migrations later without creating a gap in the other's sequence:
//
//   const keel::data::MigrationSource sources[] = {
//       {"app", 1, 9999, app_migrations},
//       {"jobs", keel::jobs::kFirstMigrationVersion, keel::jobs::kLastMigrationVersion,
//        keel::jobs::Migrations()},
//   };
//   auto applied = keel::data::ApplyMigrations(db, sources);
//
// Tables: keel_jobs (the queue), keel_job_counts (per queue and state, kept by triggers: the
// depth check and the depth gauges read it instead of counting rows), keel_outbox.
#pragma once

#include <cstdint>
#include <span>

#include "keel/data/migrations.hpp"

namespace keel::jobs {

inline constexpr std::int64_t kFirstMigrationVersion = 10100;
inline constexpr std::int64_t kLastMigrationVersion = 10199;

// In version order; the entries and their SQL are constants. Existing entries never change; a
// later version of this module only appends.
[[nodiscard]] std::span<const data::Migration> Migrations() noexcept;

}  // namespace keel::jobs
