// The product store's fixed statements (the list statement is built per shape in
// list_query.cpp). Named for metrics; list_plan_test.cpp checks their query plans.
#pragma once

#include <keel/data/database.hpp>

namespace shop::products::sql {

// Columns in the order ProductFromRow reads them (kProductColumns).
inline constexpr keel::data::Query kById{
    "product_by_id",
    "SELECT id, name, category, price_cents, stock, rating, updated_at, version "
    "FROM products WHERE id = ?"};
inline constexpr keel::data::Query kByIds{
    "products_by_ids",
    "SELECT id, name, category, price_cents, stock, rating, updated_at, "
    "version FROM products WHERE id IN (SELECT value FROM json_each(?))"};
// NULL parameters leave a column unchanged (COALESCE), so one statement serves every patch; the
// version condition makes concurrent updates of one version exclusive (one row changes, once).
inline constexpr keel::data::Query kPatch{
    "product_patch",
    "UPDATE products SET name = COALESCE(?1, name), price_cents = COALESCE(?2, price_cents), "
    "stock = COALESCE(?3, stock), version = version + 1, updated_at = ?4 "
    "WHERE id = ?5 AND (?6 OR version IN (SELECT value FROM json_each(?7))) "
    "RETURNING id, name, category, price_cents, stock, rating, updated_at, version"};
inline constexpr keel::data::Query kExists{"product_exists", "SELECT 1 FROM products WHERE id = ?"};

}  // namespace shop::products::sql
