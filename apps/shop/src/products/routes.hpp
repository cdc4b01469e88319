// HTTP faces of the product service:
//   GET   /v1/products            list (filters, sort, keyset cursor, sparse fields)
//   GET   /v1/products/{id:int}   one product, ETag + Cache-Control, 304 on If-None-Match
//   POST  /v1/products/batch      {"ids":[...]} in one query
//   PATCH /v1/products/{id:int}   JSON merge patch, If-Match required (428/412)
#pragma once

#include <chrono>
#include <keel/http/router.hpp>

#include "src/products/service.hpp"

namespace shop::products {

struct RouteSettings {
  std::chrono::seconds max_age{60};  // Cache-Control max-age of product GETs
};

// Adds the routes to `v1` (the "/v1" group); `service` must outlive the router.
void AddRoutes(keel::http::RouteGroup& v1, ProductService& service, RouteSettings settings);

}  // namespace shop::products
