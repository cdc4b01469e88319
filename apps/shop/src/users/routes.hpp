// HTTP faces of the user service:
//   GET /v1/users/{id:int}           the user
//   GET /v1/users/{id:int}/summary   the pre-aggregated order summary (through SummaryCache)
#pragma once

#include <keel/http/router.hpp>

#include "src/users/cache.hpp"
#include "src/users/service.hpp"

namespace shop::users {

// Adds the routes to `v1` (the "/v1" group); `service` and `summaries` must outlive the router.
void AddRoutes(keel::http::RouteGroup& v1, UserService& service, SummaryCache& summaries);

}  // namespace shop::users
