// Debug routes, registered only when shop.debug_routes = true:
//   GET /debug/slow-query?ms=N   holds one database reader for ~N ms (1..60000) with a
//                                deliberately endless recursive CTE stopped by a query timeout of
//                                N ms: tests use it to exhaust the reader pool and observe 503s.
#pragma once

#include <keel/data/database.hpp>
#include <keel/http/router.hpp>

namespace shop::debug {

inline constexpr std::int64_t kMaxSlowQueryMs = 60000;

// `db` must outlive the router.
void AddRoutes(keel::http::Router& router, keel::data::Database& db);

}  // namespace shop::debug
