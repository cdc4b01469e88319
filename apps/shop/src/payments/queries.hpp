// The payment store's statements (named for metrics). Both are primary-key lookups/updates.
#pragma once

#include <keel/data/database.hpp>

namespace shop::payments::sql {

inline constexpr keel::data::Query kOrderPayment{
    "payment_order", "SELECT id, total_cents, payment_status FROM orders WHERE id = ?"};
// Only a pending payment settles: a redelivered job, or a late second result, changes nothing.
inline constexpr keel::data::Query kSettle{
    "payment_settle",
    "UPDATE orders SET payment_status = ?1 WHERE id = ?2 AND payment_status = 'pending'"};

}  // namespace shop::payments::sql
