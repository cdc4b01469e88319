#include "src/app/config.hpp"

#include "src/app/background_config.hpp"

#include <variant>

namespace shop {

void SetShopOverloadDefaults(keel::ConfigSchema& schema) {
  // No admission queue: the shop's hot routes are cache reads whose cost is the event loop's one
  // core, where a waiting request only delays the successes and refusals behind it. Measured on
  // GET /v1/products/{id} past capacity (docs/overload.md, "The shop's choices"): goodput with
  // the library's queue of 100 against none, 67 % vs 152 % of C at 2x C (13 alternating pairs)
  // and 13 % vs 45 % at 3x C (3 pairs).
  schema.SetDefault("overload.queue_size", "0");
}

void AddShopConfig(keel::ConfigSchema& schema) {
  keel::data::AddSqliteConfig(schema, "db", "var/shop.db");
  AddBackgroundConfig(schema);  // jobs.*, idempotency.*, shop.serve_workers, shop.test_job_delay
  AddCacheConfig(schema);       // cache.*
  reports::AddReportsConfig(schema);
  schema.Add({.name = "shop.cursor_secret",
              .type = keel::ConfigType::kString,
              .default_value = std::string(kDevCursorSecret),
              .description = "HMAC-SHA256 key signing pagination cursors (at least 16 bytes). The "
                             "default is a public development value: production must set its own "
                             "(e.g. KEEL_SHOP__CURSOR_SECRET), the same on every instance.",
              .secret = true,
              .validate = [](const keel::ConfigValue& v) -> std::optional<std::string> {
                if (std::get<std::string>(v).size() < 16) {
                  return "must be at least 16 bytes long";
                }
                return std::nullopt;
              }});
  schema.Add({.name = "shop.product_max_age",
              .type = keel::ConfigType::kDuration,
              .default_value = "60s",
              .description = "Cache-Control max-age of GET /v1/products/{id} (whole seconds, "
                             "0 .. 1 day).",
              .min = 0,
              .max = 86400,
              .validate = [](const keel::ConfigValue& v) -> std::optional<std::string> {
                if (std::get<std::chrono::nanoseconds>(v) % std::chrono::seconds(1) !=
                    std::chrono::nanoseconds(0)) {
                  return "must be a whole number of seconds";
                }
                return std::nullopt;
              }});
  schema.Add({.name = "shop.debug_routes",
              .type = keel::ConfigType::kBool,
              .default_value = "false",
              .description =
                  "Enables GET /debug/slow-query?ms=N (holds a database reader for "
                  "~N ms; for tests that exhaust the pool) and the test-only report type "
                  "always_fail (its job fails every attempt). Never enable in production."});
}

ShopSettings ShopSettingsFromConfig(const keel::Config& config) {
  return ShopSettings{
      .db = keel::data::SqliteSettingsFromConfig(config, "db"),
      .cursor_secret = config.GetString("shop.cursor_secret"),
      .product_max_age = config.GetDurationAs<std::int64_t, std::ratio<1>>("shop.product_max_age"),
      .debug_routes = config.GetBool("shop.debug_routes"),
      .cache = CacheSettingsFromConfig(config),
      .reports = reports::ReportSettingsFromConfig(config)};
}

}  // namespace shop
