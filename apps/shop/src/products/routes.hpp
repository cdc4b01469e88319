// HTTP faces of the product service:
//   GET   /v1/products            list (filters, sort, keyset cursor, sparse fields)
//   GET   /v1/products/{id:int}   one product, ETag + Cache-Control, 304 on If-None-Match
//   POST  /v1/products/batch      {"ids":[...]} in one query
//   PATCH /v1/products/{id:int}   JSON merge patch, If-Match required (428/412)
#pragma once

#include <chrono>
#include <keel/http/router.hpp>

#include "src/products/cache.hpp"
#include "src/products/service.hpp"

namespace shop::products {

struct RouteSettings {
  std::chrono::seconds max_age{60};  // Cache-Control max-age of product GETs
};

// Adds the routes to `v1` (the "/v1" group); `service` and `cache` must outlive the router. The
// GETs read through `cache` (X-Cache: hit | miss | stale when it is enabled); PATCH invalidates it.
void AddRoutes(keel::http::RouteGroup& v1, ProductService& service, ProductCache& cache,
               RouteSettings settings);

}  // namespace shop::products
