// The shop's configuration keys (besides server.* and log.*), declared once with their
// validation and documentation (`keel-shop serve --config-reference` prints them):
//   db.*                  keel::data::AddSqliteConfig(schema, "db", "var/shop.db")
//   shop.cursor_secret    HMAC key of pagination cursors (secret; production must set it)
//   shop.product_max_age  Cache-Control max-age of product GETs (default 60s)
//   shop.debug_routes     enables GET /debug/slow-query (default false)
//   cache.*               the read caches: src/app/cache_config.hpp
//   jobs.*, idempotency.*, shop.serve_workers, shop.test_job_delay: src/app/background_config.hpp
//   reports.*: src/reports/config.hpp
#pragma once

#include <chrono>
#include <keel/core/config.hpp>
#include <keel/data/sqlite_database.hpp>
#include <string>
#include <string_view>

#include "src/app/cache_config.hpp"
#include "src/reports/config.hpp"

namespace shop {

// The development default of shop.cursor_secret: fine on a laptop, never in production (anyone
// who knows it can forge cursors; the server logs a warning when it is in use).
inline constexpr std::string_view kDevCursorSecret = "keel-shop-dev-cursor-secret-change-me";

struct ShopSettings {
  keel::data::SqliteSettings db;
  std::string cursor_secret;
  std::chrono::seconds product_max_age{60};
  bool debug_routes = false;
  ShopCacheSettings cache;          // cache.*: src/app/cache_config.hpp
  reports::ReportSettings reports;  // test_types follows debug_routes (set by Shop)
};

// Declares db.* and shop.* (call after keel::observe::Service::AddConfig).
void AddShopConfig(keel::ConfigSchema& schema);
// The shop's own defaults for keys the library declares (call after
// keel::resilience::AddOverloadConfig).
void SetShopOverloadDefaults(keel::ConfigSchema& schema);
[[nodiscard]] ShopSettings ShopSettingsFromConfig(const keel::Config& config);

}  // namespace shop
