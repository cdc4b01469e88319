// Product SQL: by id, list pages, batches and the conditional update. Every method is one
// statement (the update is one statement plus, only when it changed nothing, one lookup to tell
// "not found" from "stale"), prepared once per connection by the database's statement cache. The
// list statement has one text per filter/sort shape (at most 168); clients use a handful, and
// db.statement_cache (128) keeps the recent ones.
//
// Errors: those of keel::data::Database (kOverloaded, kDeadlineExceeded, kUnavailable, ...).
// Thread safety: any I/O thread; the store holds no state besides the database reference.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <keel/core/error.hpp>
#include <keel/data/database.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/products/list_query.hpp"
#include "src/products/patch.hpp"
#include "src/products/product.hpp"

namespace shop::products {

template <typename T>
using Task = boost::asio::awaitable<keel::Result<T>>;

enum class PatchStatus : std::uint8_t { kUpdated, kNotFound, kStale };

struct PatchOutcome {
  PatchStatus status = PatchStatus::kUpdated;
  Product product;  // kUpdated: the product after the update
};

class ProductStore {
 public:
  explicit ProductStore(keel::data::Database& db) noexcept : db_(db) {}

  Task<std::optional<Product>> ById(std::int64_t id, keel::data::CallOptions options);
  // Up to query.limit + 1 rows in the query's order.
  Task<std::vector<Product>> List(const ListQuery& query, keel::data::CallOptions options);
  // The products among `ids` that exist, in no particular order; one query whatever the count.
  Task<std::vector<Product>> ByIds(const std::vector<std::int64_t>& ids,
                                   keel::data::CallOptions options);
  // Applies `patch` if the current version satisfies `condition`, bumping version and setting
  // updated_at, in one conditional UPDATE: of two concurrent patches of the same version, one
  // wins and the other sees kStale.
  Task<PatchOutcome> Patch(std::int64_t id, const ProductPatch& patch,
                           const VersionCondition& condition, std::string updated_at,
                           keel::data::CallOptions options);

 private:
  keel::data::Database& db_;
};

// A JSON array text of integers ("[1,2,3]"), bound as one parameter and expanded in SQL with
// json_each: one prepared statement serves every list length.
[[nodiscard]] std::string JsonIntArray(const std::vector<std::int64_t>& values);

}  // namespace shop::products
