// keel-shop: the reference service built on keel's public API (wiring only; the domain lives in
// src/<domain>/{routes,service,store}.cpp).
//
//   keel-shop serve   --config apps/shop/shop.toml   migrate, then serve the API
//   keel-shop migrate --config apps/shop/shop.toml   apply pending migrations and exit
//   keel-shop seed    --config apps/shop/shop.toml [--users N --products N --orders N --seed S]
//                     [--force]                      fill an empty database (docs/api.md)
#include <keel/core/command_line.hpp>
#include <keel/data/sqlite_database.hpp>
#include <keel/observe/service.hpp>

#include "src/app/commands.hpp"
#include "src/app/config.hpp"
#include "src/app/shop.hpp"
#include "src/app/startup.hpp"

namespace {

using keel::observe::LogLevel;

int Serve(const keel::Config& config) {
  const shop::ShopSettings settings = shop::ShopSettingsFromConfig(config);
  keel::observe::Service service("keel-shop", config);
  auto& log = service.logger();
  keel::data::SqliteDatabase db(settings.db, &service.metrics());
  if (auto opened = shop::OpenDatabase(db, settings.db); !opened) {
    log.Log(LogLevel::kError, "cannot open the database",
            {{"path", settings.db.path}, {"error", opened.error().message()}});
    return 1;
  }
  // Pending migrations are applied before the listener opens: no request sees an old schema.
  auto applied = shop::Migrate(db, [&](std::string_view step) {
    log.Log(LogLevel::kInfo, "migrating", {{"step", step}});
  });
  if (!applied) {
    log.Log(LogLevel::kError, "migration failed", {{"error", applied.error().message()}});
    return 1;
  }
  if (settings.cursor_secret == shop::kDevCursorSecret) {
    log.Log(LogLevel::kWarn, "shop.cursor_secret is the development default; set it in production",
            {});
  }
  shop::Shop shop(db, settings);
  shop.AddRoutes(service.routes());
  service.OnShutdown([&db] { db.Close(); });  // after the drain: no request is using it
  return service.Run();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"keel-shop: the keel reference service"};
  app.require_subcommand(1);
  keel::StandardOptions options;
  CLI::App* serve = app.add_subcommand("serve", "Apply pending migrations, then serve the API");
  CLI::App* migrate = app.add_subcommand("migrate", "Apply pending migrations and exit");
  CLI::App* seed = app.add_subcommand("seed", "Fill an empty database with a generated data set");
  for (CLI::App* command : {serve, migrate, seed}) {
    keel::AddStandardOptions(*command, options);
  }
  shop::seed::SeedOptions seed_options;
  bool force = false;
  seed->add_option("--users", seed_options.users, "Users to create")->capture_default_str();
  seed->add_option("--products", seed_options.products, "Products to create")
      ->capture_default_str();
  seed->add_option("--orders", seed_options.orders, "Orders to create (1-5 items each)")
      ->capture_default_str();
  seed->add_option("--seed", seed_options.seed, "Random seed (same seed, same data)")
      ->capture_default_str();
  seed->add_flag("--force", force, "Delete existing data first instead of refusing");
  CLI11_PARSE(app, argc, argv);

  keel::ConfigSchema schema;
  keel::observe::Service::AddConfig(schema);
  shop::AddShopConfig(schema);
  const keel::Config config = keel::LoadConfigOrExit(schema, options);

  if (migrate->parsed()) {
    return shop::RunMigrate(shop::ShopSettingsFromConfig(config));
  }
  if (seed->parsed()) {
    return shop::RunSeed(shop::ShopSettingsFromConfig(config), seed_options, force);
  }
  return Serve(config);
}
