#include "src/recommendations/service.hpp"

#include <keel/resilience/fallback.hpp>

namespace shop::recommendations {

std::string_view SourceName(Source source) noexcept {
  return source == Source::kProvider ? "provider" : "top_rated";
}

Task<std::optional<Recommendations>> RecommendationService::For(std::int64_t product_id,
                                                                keel::data::CallOptions db) {
  auto product = co_await store_.Product(product_id, db);
  if (!product) {
    co_return std::move(product).error();
  }
  if (!*product) {
    co_return std::optional<Recommendations>();
  }
  Recommendations out{.product_id = product_id};
  if (provider_ != nullptr) {
    const keel::resilience::CallOptions call{.deadline = db.deadline, .stages = db.stages};
    auto ids = co_await provider_->Recommend(product_id, call);
    if (ids) {
      auto items = co_await store_.InOrder(*ids, db);
      if (!items) {
        co_return std::move(items).error();
      }
      out.source = Source::kProvider;
      out.items = std::move(*items);
      co_return std::optional<Recommendations>(std::move(out));
    }
    out.degraded_reason = std::string(keel::resilience::FallbackReason(ids.error()));
  }
  auto top = co_await store_.TopRated((*product)->category, product_id, kMaxItems, db);
  if (!top) {
    co_return std::move(top).error();
  }
  out.source = Source::kTopRated;
  out.items = std::move(*top);
  co_return std::optional<Recommendations>(std::move(out));
}

}  // namespace shop::recommendations
