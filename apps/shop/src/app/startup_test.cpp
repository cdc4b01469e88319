// Migrate over the three sources: a database created by an older build (only 0001_init applied)
// migrates cleanly, and a second run applies nothing.
#include "src/app/startup.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "migrations/migrations.hpp"

namespace shop {
namespace {

TEST(Migrate, AnOldDatabaseWithOnlyInitGetsTheShopsAndTheModulesMigrations) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "keel-shop-migrate-XXXXXX").string();
  const std::string dir = ::mkdtemp(pattern.data());
  {
    keel::data::SqliteDatabase db({.path = dir + "/old.db", .readers = 1}, nullptr);
    ASSERT_TRUE(db.Open().ok());
    // What the first release did: the single-list form with 0001_init only.
    ASSERT_EQ(*keel::data::ApplyMigrations(db, Migrations().first(1)), 1);
    std::vector<std::string> steps;
    auto applied = Migrate(db, [&](std::string_view step) { steps.emplace_back(step); });
    ASSERT_TRUE(applied.ok()) << applied.error().message();
    EXPECT_EQ(static_cast<std::size_t>(*applied), steps.size());
    EXPECT_EQ(steps.front(), "applying migration 2 (order_writes)");
    EXPECT_EQ(steps.back(), "applying migration 10101 (keel_outbox)");
    auto again = Migrate(db, {});
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(*again, 0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace shop
