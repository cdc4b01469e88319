// keel/jobs/migrations.hpp — the schema of keel::jobs' SQL queue and outbox.
//
// Versions are in the reserved range 10100..10199 (keel::idempotency has 10000..10099). As with
// keel::idempotency::Migrations(): keel::data refuses an unapplied version below the newest
// applied one, so until it knows version ranges, number these entries into your own sequence
// (same name and SQL) rather than appending them as they are:
//
//   const std::span<const keel::data::Migration> jobs = keel::jobs::Migrations();
//   const std::vector<keel::data::Migration> all = {
//       {1, "init", kInitSql},
//       {2, jobs[0].name, jobs[0].sql},  // once applied, an entry keeps its number
//       {3, jobs[1].name, jobs[1].sql},
//   };
//   auto applied = keel::data::ApplyMigrations(db, all);
//
// Tables: keel_jobs (the queue), keel_job_counts (per queue and state, kept by triggers: the
// depth check and the depth gauges read it instead of counting rows), keel_outbox.
#pragma once

#include <cstdint>
#include <span>

#include "keel/data/migrations.hpp"

namespace keel::jobs {

inline constexpr std::int64_t kFirstMigrationVersion = 10100;

// In version order; the entries and their SQL are constants. Existing entries never change; a
// later version of this module only appends.
[[nodiscard]] std::span<const data::Migration> Migrations() noexcept;

}  // namespace keel::jobs
