// Startup steps shared by `serve`, `migrate` and `seed`: open the database (creating its
// directory) and bring its schema up to date. Blocking; call before serving, never from an I/O
// thread.
#pragma once

#include <functional>
#include <keel/core/error.hpp>
#include <keel/data/sqlite_database.hpp>
#include <keel/observe/log.hpp>
#include <memory>
#include <string_view>

namespace shop {

// Creates the parent directory of settings.path if needed, then db.Open().
[[nodiscard]] keel::Result<void> OpenDatabase(keel::data::SqliteDatabase& db,
                                              const keel::data::SqliteSettings& settings);

// Applies the pending migrations of the shop (shop::Migrations(), versions 1..9999) and of the
// modules it embeds (keel::idempotency 10000.., keel::jobs 10100..), each source on its own;
// `report` is told about each one before it runs ("applying migration 1 (init)"). Returns how many
// were applied.
[[nodiscard]] keel::Result<int> Migrate(keel::data::SqliteDatabase& db,
                                        const std::function<void(std::string_view)>& report);

// The settings of the background-reads database: the same file as `db`, one reader, threads under
// SCHED_IDLE (preempted by any request thread that wakes), metric label "<name>_background".
[[nodiscard]] keel::data::SqliteSettings BackgroundReadSettings(
    const keel::data::SqliteSettings& db);
// Opens it (after the migrations); null, with the failure logged, when it cannot be opened.
[[nodiscard]] std::unique_ptr<keel::data::SqliteDatabase> OpenBackgroundReads(
    const keel::data::SqliteSettings& db, keel::MetricSink* sink, keel::observe::Logger& log);

// OpenDatabase, then Migrate, logging each step ("migrating") and any failure to `log`. False
// when either failed (the process should exit 1). For `serve` and `worker`.
[[nodiscard]] bool OpenAndMigrate(keel::data::SqliteDatabase& db,
                                  const keel::data::SqliteSettings& settings,
                                  keel::observe::Logger& log);

}  // namespace shop
