#include "src/app/startup.hpp"

#include <filesystem>
#include <string>
#include <system_error>

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
  return keel::data::ApplyMigrations(db, Migrations(), [&](const keel::data::Migration& m) {
    if (report) {
      report("applying migration " + std::to_string(m.version) + " (" + std::string(m.name) + ")");
    }
  });
}

}  // namespace shop
