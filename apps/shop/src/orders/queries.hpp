// The order store's statements (named for metrics; list_plan_test.cpp checks their plans).
#pragma once

#include <keel/data/database.hpp>

namespace shop::orders::sql {

// Both pages read the index (user_id[, status]) backwards from the cursor's id, its implicit
// last column; the first page starts below INT64_MAX.
inline constexpr keel::data::Query kPage{"orders_page",
                                         "SELECT id, user_id, status, payment_status, "
                                         "total_cents, created_at FROM orders "
                                         "WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?"};
inline constexpr keel::data::Query kPageByStatus{
    "orders_page_by_status",
    "SELECT id, user_id, status, payment_status, total_cents, created_at FROM orders "
    "WHERE user_id = ? AND status = ? AND id < ? ORDER BY id DESC "
    "LIMIT ?"};
inline constexpr keel::data::Query kItems{"order_items_with_products",
                                          "SELECT oi.order_id, oi.product_id, p.name, oi.quantity, "
                                          "oi.unit_price_cents FROM order_items oi "
                                          "JOIN products p ON p.id = oi.product_id "
                                          "WHERE oi.order_id IN (SELECT value FROM json_each(?))"};

// One order by id (GET /v1/orders/{id}); its items come from kItems.
inline constexpr keel::data::Query kById{
    "order_by_id",
    "SELECT id, user_id, status, payment_status, total_cents, created_at FROM orders WHERE id = ?"};

}  // namespace shop::orders::sql
