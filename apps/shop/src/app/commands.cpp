#include "src/app/commands.hpp"

#include <cstdio>
#include <string>

#include "src/app/startup.hpp"
#include "src/seed/seeder.hpp"

namespace shop {

namespace {

void Print(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

int Fail(std::string_view what, const keel::Error& error) {
  std::fprintf(stderr, "keel-shop: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               error.message().c_str());
  return 1;
}

// Opens and migrates; prints what it applied. Returns 0 or the exit status of the failure.
int OpenAndMigrate(keel::data::SqliteDatabase& db, const ShopSettings& settings) {
  if (auto opened = OpenDatabase(db, settings.db); !opened) {
    return Fail("cannot open " + settings.db.path, opened.error());
  }
  auto applied = Migrate(db, Print);
  if (!applied) {
    return Fail("migration failed", applied.error());
  }
  Print("migrate: " + settings.db.path + " is up to date (" + std::to_string(*applied) +
        " migration(s) applied)");
  return 0;
}

}  // namespace

int RunMigrate(const ShopSettings& settings) {
  keel::data::SqliteDatabase db(settings.db, nullptr);
  return OpenAndMigrate(db, settings);
}

int RunSeed(const ShopSettings& settings, const seed::SeedOptions& options, bool force) {
  if (auto valid = seed::ValidateOptions(options); !valid) {
    std::fprintf(stderr, "keel-shop seed: %s\n", valid.error().message().c_str());
    return 2;
  }
  keel::data::SqliteDatabase db(settings.db, nullptr);
  if (const int status = OpenAndMigrate(db, settings); status != 0) {
    return status;
  }
  auto has_data = seed::HasData(db);
  if (!has_data) {
    return Fail("cannot inspect the database", has_data.error());
  }
  if (*has_data && !force) {
    std::fprintf(stderr,
                 "keel-shop seed: %s already holds data; refusing to seed over it "
                 "(use --force to delete it first)\n",
                 settings.db.path.c_str());
    return 2;
  }
  if (*has_data) {
    Print("seed: --force: deleting the existing data");
    if (auto cleared = seed::Clear(db); !cleared) {
      return Fail("cannot delete the existing data", cleared.error());
    }
  }
  Print("seed: " + std::to_string(options.users) + " users, " + std::to_string(options.products) +
        " products, " + std::to_string(options.orders) + " orders (seed " +
        std::to_string(options.seed) + ") into " + settings.db.path);
  auto report = seed::Seed(db, options, Print);
  if (!report) {
    return Fail("seeding failed", report.error());
  }
  char line[200];
  std::snprintf(line, sizeof line,
                "seed: done in %.2f s: %lld users, %lld products, %lld orders, %lld order items",
                static_cast<double>(report->elapsed.count()) / 1000.0,
                static_cast<long long>(report->users), static_cast<long long>(report->products),
                static_cast<long long>(report->orders),
                static_cast<long long>(report->order_items));
  Print(line);
  return 0;
}

}  // namespace shop
