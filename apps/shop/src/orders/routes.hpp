// HTTP face of the order service:
//   GET /v1/users/{id:int}/orders?status=&limit=&cursor=   newest first, items embedded
#pragma once

#include <keel/http/router.hpp>

#include "src/orders/service.hpp"

namespace shop::orders {

// Adds the route to `v1` (the "/v1" group); `service` must outlive the router.
void AddRoutes(keel::http::RouteGroup& v1, OrderService& service);

}  // namespace shop::orders
