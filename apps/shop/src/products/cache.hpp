// The read caches of the product domain (keel::cache): products by id and list pages.
//
//   by id   key: the id. A missing product is cached as "not found" for negative_ttl, so a
//           stream of requests for unknown ids does not reach the database.
//   pages   key: the canonical list request (filters, sort, limit, cursor); the page is tagged
//           "product:<id>" for every product on it. Short TTL (cache.lists_ttl).
// Invalidate(id) runs after a write's transaction committed: it drops the product and every page
// showing it, and detaches loads already running (they may have read the old row), so the writer
// — and everyone after it — reads its write. A page that did not show the product but would after
// the write (a filter or sort moved it in) is not tagged with it; its TTL bounds that staleness.
//
// With `enabled` false every call goes straight to the service (same results, no caching).
// Loads run in the background on behalf of every waiter and are bounded by load_timeout; they
// own what they use (service pointer, id, query) and never touch the request. The time a request
// spends in the cache (lookup + wait for a load) goes to its `cache` stage.
// Thread safety: any I/O thread.
#pragma once

#include <keel/cache/cache.hpp>
#include <keel/core/clock.hpp>
#include <keel/core/metrics.hpp>
#include <keel/core/stage_account.hpp>
#include <memory>
#include <string>

#include "src/products/service.hpp"

namespace shop::products {

// A cached product with its representation, rendered once when loaded: a hit serves the stored
// JSON and ETag instead of writing them again (JSON writing was the largest user-space cost of a
// cached GET in bench/cache.sh's profile).
struct CachedProduct {
  explicit CachedProduct(Product p);
  Product product;
  std::string etag;  // ProductETag(id, version)
  std::string json;  // ProductJson(product)
};

using ProductPtr = std::shared_ptr<const CachedProduct>;
using PagePtr = std::shared_ptr<const Page>;

// What a cached read needs from the request (never stored: a load outlives it).
struct ReadContext {
  keel::Deadline deadline = keel::Deadline::Never();
  keel::StageAccount* stages = nullptr;
  keel::cache::CacheStatus* status = nullptr;  // how it was answered (X-Cache)
};

struct ProductCacheSettings {
  bool enabled = true;
  keel::cache::CacheSettings by_id{.name = "products"};
  keel::cache::CacheSettings pages{.name = "product_lists"};
};

// Approximate memory of a cached product / page (the caches' byte weigher).
[[nodiscard]] std::uint32_t ProductWeight(const Product& product) noexcept;
[[nodiscard]] std::uint32_t CachedProductWeight(const CachedProduct& cached) noexcept;
[[nodiscard]] std::uint32_t PageWeight(const Page& page) noexcept;

// The cache key of a list request: equal keys ⇔ equal pages. `cursor` is the request's cursor
// text (it carries the position; empty on the first page). The field mask is not part of it:
// pages are cached whole and rendered per request.
[[nodiscard]] std::string PageKey(const ListQuery& query, std::string_view cursor);

// The invalidation tag of a product on the pages that show it.
[[nodiscard]] std::string ProductTag(std::int64_t id);

class ProductCache {
 public:
  // `service`, `clock` and `sink` (may be null) must outlive the cache and its loads.
  ProductCache(ProductService& service, ProductCacheSettings settings, const keel::Clock& clock,
               keel::MetricSink* sink);

  // The product; kNotFound (cached for negative_ttl) when there is none; the service's errors.
  Task<ProductPtr> Get(std::int64_t id, ReadContext read);
  // The page of `query` (`cursor`: the request's cursor text, see PageKey).
  Task<PagePtr> List(const ListQuery& query, std::string_view cursor, ReadContext read);
  // After a write of product `id` committed.
  void Invalidate(std::int64_t id);

  [[nodiscard]] bool enabled() const noexcept { return enabled_; }

 private:
  using ById = keel::cache::Cache<std::int64_t, ProductPtr>;
  using Pages = keel::cache::Cache<std::string, PagePtr>;

  ProductService& service_;
  bool enabled_;
  ById by_id_;
  Pages pages_;
};

}  // namespace shop::products
