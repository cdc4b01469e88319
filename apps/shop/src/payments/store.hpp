// The payment side of orders: the amount to charge and orders.payment_status transitions.
// Only 'pending' moves (to 'paid' or 'failed'), in one conditional UPDATE, so a redelivered job or
// a late inline result can never flip a settled payment.
// Errors: keel::data::Database's. Thread safety: any thread with an executor.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <keel/core/error.hpp>
#include <keel/data/database.hpp>
#include <optional>
#include <string>

#include "src/payments/gateway.hpp"

namespace shop::payments {

struct OrderPayment {
  std::int64_t order_id = 0;
  std::int64_t total_cents = 0;
  std::string payment_status;  // "pending", "paid", "failed"
};

class PaymentStore {
 public:
  explicit PaymentStore(keel::data::Database& db) noexcept : db_(db) {}

  boost::asio::awaitable<keel::Result<std::optional<OrderPayment>>> Find(
      std::int64_t order_id, keel::data::CallOptions options);
  // pending → `status` (paid or failed). True when this call changed it.
  boost::asio::awaitable<keel::Result<bool>> Settle(std::int64_t order_id, PaymentStatus status,
                                                    keel::data::CallOptions options);

 private:
  keel::data::Database& db_;
};

}  // namespace shop::payments
