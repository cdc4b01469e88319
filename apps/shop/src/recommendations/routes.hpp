// HTTP face of the recommendation service:
//   GET /v1/products/{id:int}/recommendations
//     200 {"product_id":42,"source":"provider"|"top_rated","items":[<product>...]}
//     X-Degraded: <reason> (+ keel_fallbacks_total{dependency="recommendations"}) when the
//     provider failed and the items are the category's top-rated fallback; 404 unknown product.
#pragma once

#include <keel/http/router.hpp>
#include <keel/resilience/fallback.hpp>

#include "src/recommendations/service.hpp"

namespace shop::recommendations {

// Adds the route to `v1` (the "/v1" group); `service` and `fallbacks` must outlive the router.
// `fallbacks` may be null without a provider (nothing can fail then).
void AddRoutes(keel::http::RouteGroup& v1, RecommendationService& service,
               keel::resilience::FallbackCounter* fallbacks);

}  // namespace shop::recommendations
