// The configuration of the shop's read caches (declared by shop::AddShopConfig; docs/api.md
// "Caching" explains what each cache holds and how writes invalidate it):
//   cache.enabled                   on/off switch of every cache below (default true)
//   cache.products_max_bytes        GET /v1/products/{id}: weight bound, bytes (default 32 MiB)
//   cache.products_ttl              ... freshness (default 30s)
//   cache.lists_max_bytes           GET /v1/products pages (default 16 MiB)
//   cache.lists_ttl                 ... freshness (default 2s: bounds how long a page misses a
//                                   product that a write moved into it)
//   cache.summaries_max_bytes       GET /v1/users/{id}/summary (default 4 MiB)
//   cache.summaries_ttl             ... freshness (default 5s)
//   cache.negative_ttl              how long "not found" is remembered (default 5s)
//   cache.stale_while_revalidate    RFC 5861 windows after the TTL (defaults 10s and 5m)
//   cache.stale_if_error
//   cache.load_timeout              bound of one database load (default 2s)
#pragma once

#include <keel/cache/settings.hpp>
#include <keel/core/config.hpp>

namespace shop {

struct ShopCacheSettings {
  bool enabled = true;
  keel::cache::CacheSettings products{.name = "products"};
  keel::cache::CacheSettings lists{.name = "product_lists"};
  keel::cache::CacheSettings summaries{.name = "user_summaries"};
};

void AddCacheConfig(keel::ConfigSchema& schema);
[[nodiscard]] ShopCacheSettings CacheSettingsFromConfig(const keel::Config& config);

}  // namespace shop
