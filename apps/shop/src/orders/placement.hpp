// Placing an order: everything POST /v1/orders changes, in ONE transaction on the writer:
// the order ('pending', payment 'pending'), its items at the current prices, the stock decrement
// of each product, the user's summary (order_count, total_spent_cents), the outbox event
// `order.created`, and — through `in_tx`, which the route uses to store the idempotent response —
// anything else that must commit with it. Either all of it commits or none of it does.
//
// Rejections write nothing: an unknown user or product is kUnprocessable, insufficient stock is
// kConflict; both fill `rejected` with one entry per offending field ("/user_id",
// "/items/<i>/product_id", "/items/<i>/quantity"). Other errors are keel::data's.
// Thread safety: any I/O thread (the transaction body runs on the writer's thread).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <keel/core/error.hpp>
#include <keel/data/database.hpp>
#include <keel/jobs/outbox.hpp>
#include <string>

#include "src/common/field_errors.hpp"
#include "src/orders/create_request.hpp"
#include "src/orders/order.hpp"
#include "src/orders/payment_seam.hpp"

namespace shop::orders {

// Runs last inside the order's transaction with the complete order; an error rolls it all back.
using InOrderTx = std::function<keel::Result<void>(keel::data::Tx& tx, const Order& order)>;

// {"order_id":N,"user_id":N,"total_cents":N}: the payload of the order.created event.
[[nodiscard]] std::string OrderCreatedPayload(const Order& order);

class OrderPlacement {
 public:
  // `db` and `outbox` must outlive the placement. `now` gives created_at/updated_at timestamps.
  OrderPlacement(keel::data::Database& db, const keel::jobs::Outbox& outbox,
                 std::function<std::string()> now)
      : db_(db), outbox_(outbox), now_(std::move(now)) {}

  // `request` must be valid (ParseCreateOrder without errors).
  boost::asio::awaitable<keel::Result<Order>> Place(const CreateOrderRequest& request,
                                                    FieldErrors& rejected, const InOrderTx& in_tx,
                                                    keel::data::CallOptions options);

 private:
  keel::data::Database& db_;
  const keel::jobs::Outbox& outbox_;
  std::function<std::string()> now_;
};

}  // namespace shop::orders
