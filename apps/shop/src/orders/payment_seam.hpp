// Where payment plugs into order creation (the shop wires it in src/app/shop.cpp, the payment
// itself lives in src/payments/payment_step.hpp).
//
// POST /v1/orders commits the order with payment_status 'pending' and an `order.created` outbox
// event in one transaction. The routes (orders::WriteRoutes) then offer two hooks:
//
// - `in_tx`, last inside that transaction: the durable part. The shop enqueues the order's
//   `payment.charge` job there (delayed), so no crash after the commit can lose the payment's
//   retry. The job must be idempotent: the provider's Idempotency-Key is per order, and the
//   status only moves with
//   `UPDATE orders SET payment_status = ? WHERE id = ? AND payment_status = 'pending'`.
// - `pay`, awaited after the commit, before the answer: the inline attempt within the payment
//   budget, whose outcome the 201 reports. Never for an idempotent replay, never after a rollback.
#pragma once

#include <string_view>

namespace shop::orders {

// The outbox topic (and job queue and kind) announcing a committed order.
inline constexpr std::string_view kOrderCreatedTopic = "order.created";

}  // namespace shop::orders
