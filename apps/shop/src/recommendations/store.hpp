// Recommendation SQL: the product asked about, the provider's products, and the fallback list.
// One statement each; errors are keel::data::Database's.
// Thread safety: any I/O thread; the store holds only the database reference.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <keel/core/error.hpp>
#include <keel/data/database.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/products/product.hpp"

namespace shop::recommendations {

template <typename T>
using Task = boost::asio::awaitable<keel::Result<T>>;

class RecommendationStore {
 public:
  explicit RecommendationStore(keel::data::Database& db) noexcept : db_(db) {}

  Task<std::optional<products::Product>> Product(std::int64_t id, keel::data::CallOptions options);
  // The products among `ids` that exist, in the order of `ids` (one query).
  Task<std::vector<products::Product>> InOrder(const std::vector<std::int64_t>& ids,
                                               keel::data::CallOptions options);
  // The `limit` best-rated products of `category` other than `except`, best first.
  Task<std::vector<products::Product>> TopRated(const std::string& category, std::int64_t except,
                                                std::size_t limit, keel::data::CallOptions options);

 private:
  keel::data::Database& db_;
};

}  // namespace shop::recommendations
