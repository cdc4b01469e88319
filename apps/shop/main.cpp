// keel-shop: the reference service built on keel's public API (wiring only; the domain lives in
// src/<domain>/{routes,service,store}.cpp).
//
//   keel-shop serve   --config apps/shop/shop.toml   migrate, then serve the API
//   keel-shop worker  --config apps/shop/shop.toml   migrate, then run job workers only (no HTTP)
//   keel-shop migrate --config apps/shop/shop.toml   apply pending migrations and exit
//   keel-shop seed    --config apps/shop/shop.toml [--users N --products N --orders N --seed S]
//                     [--force]                      fill an empty database (docs/api.md)
#include <keel/core/command_line.hpp>
#include <keel/data/sqlite_database.hpp>
#include <keel/observe/service.hpp>
#include <keel/resilience/http/overload_middleware.hpp>
#include <keel/resilience/overload_config.hpp>

#include "src/app/background.hpp"
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
  auto background_settings = shop::BackgroundSettingsFromConfig(config);
  if (!background_settings) {
    log.Log(LogLevel::kError, "invalid configuration",
            {{"error", background_settings.error().message()}});
    return 2;
  }
  // Overload protection (overload.*, ratelimit.*; docs/overload.md) wraps every business route, so
  // it is installed before the first one is registered. Health and admin routes never compete.
  // overload.enabled = false turns admission off in the same binary (bench/overload.sh baseline).
  auto overload = keel::resilience::MakeOverloadMiddleware(config, service.metrics());
  if (!overload) {
    log.Log(LogLevel::kError, "invalid configuration", {{"error", overload.error().message()}});
    return 2;
  }
  for (auto& middleware : overload->InOrder()) {
    service.UseForBusinessRoutes(middleware);
  }
  // Third-party providers (deps.*; src/app/providers.hpp): after the service (destroyed before
  // its io_contexts), before everything that calls them (destroyed after those).
  auto providers = shop::Providers::Create(config, shop::Contexts(service.runtime()),
                                           service.metrics(), shop::LogBreakerTransitions(log));
  if (!providers) {
    log.Log(LogLevel::kError, "invalid configuration", {{"error", providers.error().message()}});
    return 2;
  }
  shop::LogProviders(log, **providers);
  keel::data::SqliteDatabase db(settings.db, &service.metrics());
  // Pending migrations are applied before the listener opens: no request sees an old schema.
  if (!shop::OpenAndMigrate(db, settings.db, log)) {
    return 1;
  }
  if (settings.cursor_secret == shop::kDevCursorSecret) {
    log.Log(LogLevel::kWarn, "shop.cursor_secret is the development default; set it in production",
            {});
  }
  auto background_reads = shop::OpenBackgroundReads(settings.db, &service.metrics(), log);
  if (background_reads == nullptr) {
    return 1;
  }
  shop::Background background(db, *background_settings, &service.metrics());
  shop::Shop shop(db, settings, background, &service.metrics());
  shop.UseProviders(**providers);
  shop.UseBackgroundReads(*background_reads);
  shop.AddRoutes(service.routes());
  shop.RegisterJobHandlers();
  background.AddAdminRoutes(service.admin_routes());
  background.Start(background_settings->serve_workers);
  // After the drain: no request is using the database; running jobs finish (or are abandoned
  // to lease expiry after the stop timeout) before it closes.
  service.OnShutdown([&db, &background, &background_reads] {
    background.Stop();
    background_reads->Close();
    db.Close();
  });
  const int status = service.Run();
  // Also when Run() failed before serving: database calls the background started must finish
  // (Close) before its runtime is destroyed. All are idempotent.
  background.Stop();
  background_reads->Close();
  db.Close();
  return status;
}

LogLevel LevelFromConfig(const keel::Config& config) {
  const std::string level = config.GetString("log.level");  // validated: one of four
  return level == "debug"   ? LogLevel::kDebug
         : level == "warn"  ? LogLevel::kWarn
         : level == "error" ? LogLevel::kError
                            : LogLevel::kInfo;
}

// `keel-shop worker`: the job workers, the outbox relay and the idempotency purge, without HTTP.
int Work(const keel::Config& config) {
  const shop::ShopSettings settings = shop::ShopSettingsFromConfig(config);
  keel::observe::MetricRegistry metrics;
  keel::observe::Logger log({.level = LevelFromConfig(config)}, &metrics);
  auto background_settings = shop::BackgroundSettingsFromConfig(config);
  if (!background_settings) {
    log.Log(LogLevel::kError, "invalid configuration",
            {{"error", background_settings.error().message()}});
    return 2;
  }
  if (background_settings->jobs.workers.concurrency == 0) {
    log.Log(LogLevel::kError, "invalid configuration",
            {{"error", "jobs.workers is 0: a worker process needs at least one worker"}});
    return 2;
  }
  // The payment.charge job calls the payment provider (on the Providers' own I/O thread).
  auto providers = shop::Providers::Create(config, {}, metrics, shop::LogBreakerTransitions(log));
  if (!providers) {
    log.Log(LogLevel::kError, "invalid configuration", {{"error", providers.error().message()}});
    return 2;
  }
  shop::LogProviders(log, **providers);
  keel::data::SqliteDatabase db(settings.db, &metrics);
  if (!shop::OpenAndMigrate(db, settings.db, log)) {
    return 1;
  }
  auto background_reads = shop::OpenBackgroundReads(settings.db, &metrics, log);
  if (background_reads == nullptr) {
    return 1;
  }
  shop::Background background(db, *background_settings, &metrics);
  shop::Shop shop(db, settings, background);
  shop.UseProviders(**providers);
  shop.UseBackgroundReads(*background_reads);
  shop.RegisterJobHandlers();
  background.Start(true);
  std::string queues;
  for (const std::string& q : background.served_queues()) {
    queues += (queues.empty() ? "" : ",") + q;
  }
  log.Log(LogLevel::kInfo, "working",
          {{"queues", queues},
           {"workers", static_cast<std::int64_t>(background_settings->jobs.workers.concurrency)}});
  keel::Runtime signals({.threads = 1});
  signals.OnSignal([&](int) { signals.Stop(); });
  signals.Run();
  log.Log(LogLevel::kInfo, "draining", {});
  const bool drained = background.Stop();
  background_reads->Close();
  db.Close();
  log.Log(LogLevel::kInfo, "stopped", {{"drained", drained}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"keel-shop: the keel reference service"};
  app.require_subcommand(1);
  keel::StandardOptions options;
  CLI::App* serve = app.add_subcommand("serve", "Apply pending migrations, then serve the API");
  CLI::App* worker =
      app.add_subcommand("worker", "Apply pending migrations, then run job workers (no HTTP)");
  CLI::App* migrate = app.add_subcommand("migrate", "Apply pending migrations and exit");
  CLI::App* seed = app.add_subcommand("seed", "Fill an empty database with a generated data set");
  for (CLI::App* command : {serve, worker, migrate, seed}) {
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
  shop::AddProviderConfig(schema);              // deps.recommendations.*, deps.payment.*
  keel::resilience::AddOverloadConfig(schema);  // overload.*, ratelimit.*: serve only
  shop::SetShopOverloadDefaults(schema);        // overload.queue_size = 0
  const keel::Config config = keel::LoadConfigOrExit(schema, options);

  if (worker->parsed()) {
    return Work(config);
  }
  if (migrate->parsed()) {
    return shop::RunMigrate(shop::ShopSettingsFromConfig(config));
  }
  if (seed->parsed()) {
    return shop::RunSeed(shop::ShopSettingsFromConfig(config), seed_options, force);
  }
  return Serve(config);
}
