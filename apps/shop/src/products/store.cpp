#include "src/products/store.hpp"

#include "src/products/queries.hpp"

#include <functional>
#include <memory>

namespace shop::products {

namespace {

std::vector<Product> Products(const keel::data::ResultSet& rows) {
  std::vector<Product> products;
  products.reserve(rows.size());
  for (const auto& row : rows) {
    products.push_back(ProductFromRow(row));
  }
  return products;
}

template <typename T>
keel::data::SqlValue Nullable(const std::optional<T>& value) {
  return value ? keel::data::SqlValue(*value) : keel::data::SqlValue();
}

}  // namespace

std::string JsonIntArray(const std::vector<std::int64_t>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += std::to_string(values[i]);
  }
  out += ']';
  return out;
}

Task<std::optional<Product>> ProductStore::ById(std::int64_t id, keel::data::CallOptions options) {
  auto rows = co_await db_.Query(sql::kById, keel::data::Params(id), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  if (rows->empty()) {
    co_return std::optional<Product>();
  }
  co_return std::optional<Product>(ProductFromRow((*rows)[0]));
}

Task<std::vector<Product>> ProductStore::List(const ListQuery& query,
                                              keel::data::CallOptions options) {
  Statement st = BuildListStatement(query);
  auto rows = co_await db_.Query({st.name, st.sql}, std::move(st.params), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  co_return Products(*rows);
}

Task<std::vector<Product>> ProductStore::ByIds(const std::vector<std::int64_t>& ids,
                                               keel::data::CallOptions options) {
  auto rows = co_await db_.Query(sql::kByIds, keel::data::Params(JsonIntArray(ids)), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  co_return Products(*rows);
}

Task<PatchOutcome> ProductStore::Patch(std::int64_t id, const ProductPatch& patch,
                                       const VersionCondition& condition, std::string updated_at,
                                       keel::data::CallOptions options) {
  keel::data::SqlParams params = keel::data::Params(
      Nullable(patch.name), Nullable(patch.price_cents), Nullable(patch.stock),
      std::move(updated_at), id, condition.any, JsonIntArray(condition.versions));
  // The body runs on the writer's thread; it owns what it touches (shared with this frame).
  auto outcome = std::make_shared<PatchOutcome>();
  // A named std::function, not a lambda temporary inside the co_await expression: GCC 12
  // destroys such a temporary twice.
  std::function<keel::Result<void>(keel::data::Tx&)> body =
      [outcome, id, params = std::move(params)](keel::data::Tx& tx) -> keel::Result<void> {
    auto updated = tx.Query(sql::kPatch, params);
    if (!updated) {
      return std::move(updated).error();
    }
    if (!updated->empty()) {
      outcome->product = ProductFromRow((*updated)[0]);
      return {};
    }
    auto exists = tx.Query(sql::kExists, keel::data::Params(id));
    if (!exists) {
      return std::move(exists).error();
    }
    outcome->status = exists->empty() ? PatchStatus::kNotFound : PatchStatus::kStale;
    return {};
  };
  auto done = co_await db_.Transaction(std::move(body), options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return std::move(*outcome);
}

}  // namespace shop::products
