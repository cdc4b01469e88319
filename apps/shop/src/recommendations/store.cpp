#include "src/recommendations/store.hpp"

#include <algorithm>

#include "src/products/store.hpp"
#include "src/recommendations/queries.hpp"

namespace shop::recommendations {

Task<std::optional<products::Product>> RecommendationStore::Product(
    std::int64_t id, keel::data::CallOptions options) {
  auto rows = co_await db_.Query(sql::kProduct, keel::data::Params(id), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  if (rows->empty()) {
    co_return std::optional<products::Product>();
  }
  co_return std::optional<products::Product>(products::ProductFromRow((*rows)[0]));
}

Task<std::vector<products::Product>> RecommendationStore::InOrder(
    const std::vector<std::int64_t>& ids, keel::data::CallOptions options) {
  std::vector<products::Product> ordered;
  if (ids.empty()) {
    co_return ordered;
  }
  auto rows = co_await db_.Query(sql::kProductsByIds,
                                 keel::data::Params(products::JsonIntArray(ids)), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  std::vector<products::Product> found;
  found.reserve(rows->size());
  for (const auto& row : *rows) {
    found.push_back(products::ProductFromRow(row));
  }
  ordered.reserve(found.size());
  for (const std::int64_t id : ids) {  // ids.size() <= kMaxItems: quadratic is cheapest
    auto it = std::find_if(found.begin(), found.end(),
                           [id](const products::Product& p) { return p.id == id; });
    if (it != found.end()) {
      ordered.push_back(std::move(*it));
    }
  }
  co_return ordered;
}

Task<std::vector<products::Product>> RecommendationStore::TopRated(
    const std::string& category, std::int64_t except, std::size_t limit,
    keel::data::CallOptions options) {
  auto rows = co_await db_.Query(
      sql::kTopRated, keel::data::Params(category, except, static_cast<std::int64_t>(limit)),
      options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  std::vector<products::Product> top;
  top.reserve(rows->size());
  for (const auto& row : *rows) {
    top.push_back(products::ProductFromRow(row));
  }
  co_return top;
}

}  // namespace shop::recommendations
