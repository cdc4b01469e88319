// GET /v1/products: the validated list request and the one SQL statement that serves it.
//
// Every shape (sort × filters) reads in index order and never sorts (see
// migrations/0001_init.sql; list_plan_test.cpp runs EXPLAIN QUERY PLAN on each). Keyset
// pagination continues strictly after the (sort value, id) of the previous page's last row, so
// a walk visits each row once even while rows are inserted. Identifiers in the SQL come only from
// the fixed fragments below; every value is a bound parameter.
#pragma once

#include <cstdint>
#include <keel/data/sql_value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "src/products/product.hpp"

namespace shop::products {

enum class Sort : std::uint8_t { kId, kPrice, kPriceDesc, kUpdatedDesc };

// "id", "price", "-price", "-updated_at".
[[nodiscard]] std::string_view SortName(Sort sort) noexcept;
[[nodiscard]] std::optional<Sort> ParseSort(std::string_view text) noexcept;

struct Filters {
  std::optional<std::string> category;
  std::optional<std::int64_t> min_price;  // cents, inclusive
  std::optional<std::int64_t> max_price;  // cents, inclusive
  std::optional<bool> in_stock;           // true: stock > 0, false: stock = 0
};

// A canonical text of the filters (equal filters ⇔ equal text), which cursors bind to.
[[nodiscard]] std::string CanonicalFilters(const Filters& filters);

// Where the previous page ended: the sort column's value of its last row (unused for sort=id)
// and that row's id.
struct Position {
  keel::data::SqlValue sort_value;
  std::int64_t id = 0;
};

struct ListQuery {
  Filters filters;
  Sort sort = Sort::kId;
  std::int64_t limit = 20;
  std::optional<Position> after;  // from the cursor; nullopt = the first page
  FieldMask fields = kAllFields;
};

struct Statement {
  std::string_view name;  // metric label, one per sort
  std::string sql;
  keel::data::SqlParams params;
};

// The page query; it asks for limit + 1 rows, the extra one telling whether a next page exists.
[[nodiscard]] Statement BuildListStatement(const ListQuery& query);

// The position right after `product` in `sort` order (what the next page's cursor carries).
[[nodiscard]] Position PositionAfter(const Product& product, Sort sort);

}  // namespace shop::products
