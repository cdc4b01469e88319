// The recommendation store's statements (named for metrics). store_test.cpp checks their plans.
#pragma once

#include <keel/data/database.hpp>

namespace shop::recommendations::sql {

// Columns in the order products::ProductFromRow reads them (products::kProductColumns).
inline constexpr keel::data::Query kProduct{
    "recs_product",
    "SELECT id, name, category, price_cents, stock, rating, updated_at, version "
    "FROM products WHERE id = ?"};
inline constexpr keel::data::Query kProductsByIds{
    "recs_products_by_ids",
    "SELECT id, name, category, price_cents, stock, rating, updated_at, version "
    "FROM products WHERE id IN (SELECT value FROM json_each(?))"};
// The fallback: the category's best-rated products except the product itself. Ties go to the
// newer product (id DESC), so that the whole order comes from products_by_category_rating
// scanned backwards (migration 0004).
inline constexpr keel::data::Query kTopRated{
    "recs_top_rated",
    "SELECT id, name, category, price_cents, stock, rating, updated_at, version "
    "FROM products WHERE category = ?1 AND id <> ?2 ORDER BY rating DESC, id DESC LIMIT ?3"};

}  // namespace shop::recommendations::sql
