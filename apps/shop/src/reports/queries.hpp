// The report statements (named for metrics). Orders are read in chunks of their id (the rowid):
// each chunk is a range scan of the primary key, however large the table, and the period filter
// only looks at the chunk's rows.
#pragma once

#include <keel/data/database.hpp>

namespace shop::reports::sql {

inline constexpr keel::data::Query kInsert{
    "report_insert",
    "INSERT INTO reports (type, period_from, period_to, status, created_at, updated_at) "
    "VALUES (?, ?, ?, 'queued', ?, ?)"};
inline constexpr keel::data::Query kSetJob{"report_set_job",
                                           "UPDATE reports SET job_id = ? WHERE id = ?"};
inline constexpr keel::data::Query kById{
    "report_by_id",
    "SELECT id, type, period_from, period_to, status, progress, job_id, attempt, error, "
    "created_at, finished_at FROM reports WHERE id = ?"};
inline constexpr keel::data::Query kResult{"report_result",
                                           "SELECT result FROM reports WHERE id = ?"};
// An attempt starts: fixes the order-id range on the first attempt (orders placed later are not
// part of the report), keeps the cursor of an earlier attempt (resume).
inline constexpr keel::data::Query kStart{
    "report_start",
    "UPDATE reports SET status = 'running', attempt = ?2, updated_at = ?3, "
    "first_order_id = COALESCE(first_order_id, (SELECT COALESCE(min(id), 1) - 1 FROM orders)), "
    "last_order_id = COALESCE(last_order_id, (SELECT COALESCE(max(id), 0) FROM orders)), "
    "cursor_order_id = COALESCE(cursor_order_id, (SELECT COALESCE(min(id), 1) - 1 FROM orders)) "
    "WHERE id = ?1 AND status IN ('queued', 'running') "
    "RETURNING first_order_id, last_order_id, cursor_order_id"};
// One chunk (?1, ?2] of order ids within [?3, ?4): sales per category, plus a row with a NULL
// category counting the chunk's orders (an order spans categories, so that count is not a sum).
inline constexpr keel::data::Query kChunk{
    "report_sales_chunk",
    "SELECT p.category, COUNT(DISTINCT o.id), SUM(oi.quantity), "
    "SUM(oi.quantity * oi.unit_price_cents) "
    "FROM orders o JOIN order_items oi ON oi.order_id = o.id "
    "JOIN products p ON p.id = oi.product_id "
    "WHERE o.id > ?1 AND o.id <= ?2 AND o.created_at >= ?3 AND o.created_at < ?4 "
    "AND o.status <> 'cancelled' GROUP BY p.category "
    "UNION ALL SELECT NULL, COUNT(*), 0, 0 FROM orders "
    "WHERE id > ?1 AND id <= ?2 AND created_at >= ?3 AND created_at < ?4 "
    "AND status <> 'cancelled'"};
// Moves the cursor from ?2 to ?3 — only if it is still at ?2: a stale attempt (its lease expired
// and the job was redelivered) cannot add a chunk twice.
inline constexpr keel::data::Query kAdvance{
    "report_advance",
    "UPDATE reports SET cursor_order_id = ?3, progress = ?4, order_count = order_count + ?5, "
    "updated_at = ?6 WHERE id = ?1 AND cursor_order_id = ?2 AND status = 'running'"};
// Adds a chunk's [[category, orders, units, revenue_cents], ...] to the running totals.
inline constexpr keel::data::Query kAddPartials{
    "report_add_partials",
    "INSERT INTO report_partials (report_id, category, orders, units, revenue_cents) "
    "SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
    "json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?2) WHERE true "
    "ON CONFLICT (report_id, category) DO UPDATE SET orders = orders + excluded.orders, "
    "units = units + excluded.units, revenue_cents = revenue_cents + excluded.revenue_cents"};
inline constexpr keel::data::Query kPartials{
    "report_partials",
    "SELECT category, orders, units, revenue_cents FROM report_partials WHERE report_id = ? "
    "ORDER BY revenue_cents DESC, category"};
inline constexpr keel::data::Query kOrderCount{"report_order_count",
                                               "SELECT order_count FROM reports WHERE id = ?"};
inline constexpr keel::data::Query kFinish{
    "report_finish",
    "UPDATE reports SET status = 'succeeded', progress = 100, result = ?2, finished_at = ?3, "
    "updated_at = ?3 WHERE id = ?1 AND status = 'running'"};

}  // namespace shop::reports::sql
