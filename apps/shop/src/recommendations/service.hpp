// GET /v1/products/{id}/recommendations without inheriting the provider's failures.
//
//   1. the product (one query): absent → nullopt (the route answers 404);
//   2. the provider's ids (deps.recommendations: bulkhead → breaker → hedged GET), then those
//      products in the provider's order (one query);
//   3. when the provider fails, times out, is refused by its bulkhead or its breaker is open:
//      the best-rated products of the category (one query), marked degraded with the reason
//      ("unavailable", "timeout", "overloaded"; keel::resilience::FallbackReason).
//
// Without a provider (deps.recommendations.url unset, the `make run` default) step 2 is skipped
// and the top-rated list is the answer, *not* degraded: nothing failed, it is the configured
// source (a degraded header and keel_fallbacks_total on every request would only be noise).
//
// No HTTP types here besides the provider's CallOptions; errors are the store's (a database
// failure is a real error: there is nothing left to fall back to).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/products/product.hpp"
#include "src/recommendations/provider.hpp"
#include "src/recommendations/store.hpp"

namespace shop::recommendations {

enum class Source : std::uint8_t { kProvider, kTopRated };
[[nodiscard]] std::string_view SourceName(Source source) noexcept;  // "provider", "top_rated"

struct Recommendations {
  std::int64_t product_id = 0;
  Source source = Source::kTopRated;
  std::vector<products::Product> items;
  std::string degraded_reason;  // empty unless the provider failed and this is the fallback
};

class RecommendationService {
 public:
  // `provider` may be null (not configured); both must outlive the service.
  RecommendationService(RecommendationStore& store, Provider* provider) noexcept
      : store_(store), provider_(provider) {}

  [[nodiscard]] bool has_provider() const noexcept { return provider_ != nullptr; }

  // `db` bounds the queries and the provider call (its deadline and stage account).
  Task<std::optional<Recommendations>> For(std::int64_t product_id, keel::data::CallOptions db);

 private:
  RecommendationStore& store_;
  Provider* provider_;
};

}  // namespace shop::recommendations
