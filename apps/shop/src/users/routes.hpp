// HTTP faces of the user service:
//   GET /v1/users/{id:int}           the user
//   GET /v1/users/{id:int}/summary   the pre-aggregated order summary
#pragma once

#include <keel/http/router.hpp>

#include "src/users/service.hpp"

namespace shop::users {

// Adds the routes to `v1` (the "/v1" group); `service` must outlive the router.
void AddRoutes(keel::http::RouteGroup& v1, UserService& service);

}  // namespace shop::users
