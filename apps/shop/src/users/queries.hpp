// The user store's statements (named for metrics).
#pragma once

#include <keel/data/database.hpp>

namespace shop::users::sql {

inline constexpr keel::data::Query kById{
    "user_by_id", "SELECT id, email, name, created_at FROM users WHERE id = ?"};
// The user row decides existence; the summary is read, never aggregated.
inline constexpr keel::data::Query kSummary{
    "user_summary",
    "SELECT u.id, COALESCE(s.order_count, 0), COALESCE(s.total_spent_cents, 0), "
    "COALESCE(s.updated_at, u.created_at) "
    "FROM users u LEFT JOIN user_summaries s ON s.user_id = u.id WHERE u.id = ?"};
inline constexpr keel::data::Query kExists{"user_exists", "SELECT 1 FROM users WHERE id = ?"};

}  // namespace shop::users::sql
