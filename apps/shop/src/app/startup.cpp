#include "src/app/startup.hpp"

#include <filesystem>
#include <string>
#include <system_error>

#include <keel/idempotency/migrations.hpp>
#include <keel/jobs/migrations.hpp>

#include "migrations/migrations.hpp"

namespace shop {

keel::Result<void> OpenDatabase(keel::data::SqliteDatabase& db,
                                const keel::data::SqliteSettings& settings) {
  const auto parent = std::filesystem::path(settings.path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::create_directories(parent, ec) && ec) {
    return keel::Error(keel::ErrorCode::kUnavailable, "cannot create the database directory " +
                                                          parent.string() + ": " + ec.message());
  }
  return db.Open();
}

keel::Result<int> Migrate(keel::data::SqliteDatabase& db,
                          const std::function<void(std::string_view)>& report) {
  // Each source owns a version range and is checked for gaps on its own, so the shop's
  // migrations (1..9999) and the modules' (10000+) can each grow later.
  const keel::data::MigrationSource sources[] = {
      {"shop", 1, 9999, Migrations()},
      {"idempotency", keel::idempotency::kFirstMigrationVersion,
       keel::idempotency::kLastMigrationVersion, keel::idempotency::Migrations()},
      {"jobs", keel::jobs::kFirstMigrationVersion, keel::jobs::kLastMigrationVersion,
       keel::jobs::Migrations()},
  };
  return keel::data::ApplyMigrations(db, sources, [&](const keel::data::Migration& m) {
    if (report) {
      report("applying migration " + std::to_string(m.version) + " (" + std::string(m.name) + ")");
    }
  });
}

keel::data::SqliteSettings BackgroundReadSettings(const keel::data::SqliteSettings& db) {
  keel::data::SqliteSettings reads = db;
  reads.name = db.name + "_background";
  reads.readers = 1;
  reads.idle_scheduling = true;
  reads.memory_mapped = false;
  reads.wal_checkpoint_pages = 0;  // it never commits: no checkpointer thread
  return reads;
}

std::unique_ptr<keel::data::SqliteDatabase> OpenBackgroundReads(
    const keel::data::SqliteSettings& db, keel::MetricSink* sink, keel::observe::Logger& log) {
  const keel::data::SqliteSettings settings = BackgroundReadSettings(db);
  auto reads = std::make_unique<keel::data::SqliteDatabase>(settings, sink);
  if (auto opened = reads->Open(); !opened) {
    log.Log(keel::observe::LogLevel::kError, "cannot open the background-reads database",
            {{"path", settings.path}, {"error", opened.error().message()}});
    return nullptr;
  }
  return reads;
}

bool OpenAndMigrate(keel::data::SqliteDatabase& db, const keel::data::SqliteSettings& settings,
                    keel::observe::Logger& log) {
  using keel::observe::LogLevel;
  if (auto opened = OpenDatabase(db, settings); !opened) {
    log.Log(LogLevel::kError, "cannot open the database",
            {{"path", settings.path}, {"error", opened.error().message()}});
    return false;
  }
  auto applied = Migrate(db, [&](std::string_view step) {
    log.Log(LogLevel::kInfo, "migrating", {{"step", step}});
  });
  if (!applied) {
    log.Log(LogLevel::kError, "migration failed", {{"error", applied.error().message()}});
    return false;
  }
  return true;
}

}  // namespace shop
