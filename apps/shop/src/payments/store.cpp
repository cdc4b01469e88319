#include "src/payments/store.hpp"

#include "src/payments/queries.hpp"

namespace shop::payments {

boost::asio::awaitable<keel::Result<std::optional<OrderPayment>>> PaymentStore::Find(
    std::int64_t order_id, keel::data::CallOptions options) {
  auto rows = co_await db_.Query(sql::kOrderPayment, keel::data::Params(order_id), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  if (rows->empty()) {
    co_return std::optional<OrderPayment>();
  }
  const auto& row = (*rows)[0];
  co_return std::optional<OrderPayment>(OrderPayment{.order_id = row.Int(0),
                                                     .total_cents = row.Int(1),
                                                     .payment_status = std::string(row.Text(2))});
}

boost::asio::awaitable<keel::Result<bool>> PaymentStore::Settle(std::int64_t order_id,
                                                                PaymentStatus status,
                                                                keel::data::CallOptions options) {
  const std::string to(PaymentStatusName(status));
  auto done = co_await db_.Execute(sql::kSettle, keel::data::Params(to, order_id), options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return done->rows_affected == 1;
}

}  // namespace shop::payments
