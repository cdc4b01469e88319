#include "src/app/cache_config.hpp"

#include <string>

namespace shop {

namespace {

constexpr double kMinBytes = 64.0 * 1024;                // below this a shard holds almost nothing
constexpr double kMaxBytes = 64.0 * 1024 * 1024 * 1024;  // 64 GiB: a typo guard, not a policy
constexpr double kMinTtl = 0.001;                        // 1ms; use cache.enabled=false to turn off
constexpr double kMaxTtl = 86400.0;

void AddSize(keel::ConfigSchema& schema, std::string name, std::string fallback, std::string what) {
  schema.Add({.name = std::move(name),
              .type = keel::ConfigType::kInt,
              .default_value = std::move(fallback),
              .description = "Weight bound of the " + what +
                             " cache in bytes (entries are weighed by their approximate memory; "
                             "W-TinyLFU decides what stays). 65536 .. 64 GiB.",
              .min = kMinBytes,
              .max = kMaxBytes});
}

void AddTtl(keel::ConfigSchema& schema, std::string name, std::string fallback,
            std::string description) {
  schema.Add({.name = std::move(name),
              .type = keel::ConfigType::kDuration,
              .default_value = std::move(fallback),
              .description = std::move(description),
              .min = kMinTtl,
              .max = kMaxTtl});
}

keel::cache::CacheSettings Common(const keel::Config& config, std::string name,
                                  std::string_view bytes_key, std::string_view ttl_key) {
  return keel::cache::CacheSettings{
      .name = std::move(name),
      .max_weight = static_cast<std::uint64_t>(config.GetInt(bytes_key)),
      .ttl = config.GetDuration(ttl_key),
      .negative_ttl = config.GetDuration("cache.negative_ttl"),
      .stale_while_revalidate = config.GetDuration("cache.stale_while_revalidate"),
      .stale_if_error = config.GetDuration("cache.stale_if_error"),
      .load_timeout = config.GetDuration("cache.load_timeout")};
}

}  // namespace

void AddCacheConfig(keel::ConfigSchema& schema) {
  schema.Add({.name = "cache.enabled",
              .type = keel::ConfigType::kBool,
              .default_value = "true",
              .description = "Caches products by id, product list pages and user summaries in "
                             "memory (keel::cache). false: every read goes to the database."});
  AddSize(schema, "cache.products_max_bytes", "33554432", "GET /v1/products/{id}");
  AddTtl(schema, "cache.products_ttl", "30s",
         "How long a cached product is fresh. A PATCH invalidates it at once; only writes that "
         "bypass the API (SQL by hand) wait for it. 1ms .. 1 day.");
  AddSize(schema, "cache.lists_max_bytes", "16777216", "GET /v1/products page");
  AddTtl(schema, "cache.lists_ttl", "2s",
         "How long a cached product list page is fresh. A PATCH drops every page that shows the "
         "product; a page the write moves the product into catches up within this TTL. "
         "1ms .. 1 day.");
  AddSize(schema, "cache.summaries_max_bytes", "4194304", "GET /v1/users/{id}/summary");
  AddTtl(schema, "cache.summaries_ttl", "5s",
         "How long a cached user summary is fresh (order writes that do not invalidate it are "
         "visible after at most this long). 1ms .. 1 day.");
  AddTtl(schema, "cache.negative_ttl", "5s",
         "How long a \"not found\" (unknown product or user id) is cached, so repeated misses do "
         "not reach the database. 1ms .. 1 day.");
  schema.Add({.name = "cache.stale_while_revalidate",
              .type = keel::ConfigType::kDuration,
              .default_value = "10s",
              .description = "After its TTL an entry is served this long more while one request "
                             "refreshes it in the background (RFC 5861). 0 disables. 0 .. 1 day.",
              .min = 0.0,
              .max = kMaxTtl});
  schema.Add({.name = "cache.stale_if_error",
              .type = keel::ConfigType::kDuration,
              .default_value = "5m",
              .description = "After its TTL an entry is still served this long when reloading it "
                             "fails with a server error (database unavailable, overloaded, timed "
                             "out), counted in keel_cache_stale_served_total (RFC 5861). 0 "
                             "disables. 0 .. 1 day.",
              .min = 0.0,
              .max = kMaxTtl});
  schema.Add({.name = "cache.load_timeout",
              .type = keel::ConfigType::kDuration,
              .default_value = "2s",
              .description = "The longest one cache load (a database read shared by every request "
                             "waiting for the key) may run; each request still waits only until "
                             "its own deadline. 1ms .. 60s.",
              .min = kMinTtl,
              .max = 60.0});
}

ShopCacheSettings CacheSettingsFromConfig(const keel::Config& config) {
  return ShopCacheSettings{
      .enabled = config.GetBool("cache.enabled"),
      .products = Common(config, "products", "cache.products_max_bytes", "cache.products_ttl"),
      .lists = Common(config, "product_lists", "cache.lists_max_bytes", "cache.lists_ttl"),
      .summaries =
          Common(config, "user_summaries", "cache.summaries_max_bytes", "cache.summaries_ttl")};
}

}  // namespace shop
