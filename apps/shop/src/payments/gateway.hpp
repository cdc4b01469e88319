// Charging an order at the payment provider without inheriting its failures.
//
//   POST <deps.payment.url>/payments
//   Idempotency-Key: order-<order id>          the same key for every attempt, inline or job
//   {"order_id": 42, "amount_cents": 1999, "currency": "USD"}
//   → 200/201 {"id":"pay_7","status":"captured",...}   paid
//   → 402 (declined)                                   failed: not an outage, never retried
//   → anything else / timeout / breaker open / bulkhead full   pending (the charge may or may not
//     have happened; the idempotency key makes the next attempt safe)
//
// The call goes through DependencyClient "payment" (its bulkhead, its breaker, retries — allowed
// because of the Idempotency-Key — bounded by the retry budget and by deps.payment.timeout, the
// 300 ms budget, and never past the caller's deadline). The gateway never throws and never fails:
// every problem is an outcome.
//
// Thread safety: Charge() from the I/O threads the client was built for (Providers).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <keel/core/deadline.hpp>
#include <keel/core/stage_account.hpp>
#include <keel/resilience/http/dependency_client.hpp>
#include <string>
#include <string_view>

namespace shop::payments {

enum class PaymentStatus : std::uint8_t { kPaid, kPending, kFailed };
// "paid", "pending", "failed": the values of orders.payment_status.
[[nodiscard]] std::string_view PaymentStatusName(PaymentStatus status) noexcept;

struct ChargeRequest {
  std::int64_t order_id = 0;
  std::int64_t amount_cents = 0;
};

struct ChargeOutcome {
  PaymentStatus status = PaymentStatus::kPending;
  std::string payment_id;  // the provider's id when paid
  std::string reason;      // why pending/failed (an error message, metric-safe via `kind`)
  std::string_view kind;   // pending: "unavailable", "timeout", "overloaded", ... ; else ""
};

// The provider's idempotency key of an order's charge.
[[nodiscard]] std::string ChargeIdempotencyKey(std::int64_t order_id);
// The request body (JSON) of a charge.
[[nodiscard]] std::string ChargeBody(const ChargeRequest& request);
// Interprets the provider's answer (a response that came back through DependencyClient, i.e.
// not 5xx/429: those are errors already).
[[nodiscard]] ChargeOutcome OutcomeOfResponse(int status, std::string_view body);

class PaymentGateway {
 public:
  // `client` null: payments are not configured (enabled() is false; Charge answers pending
  // without a call). Otherwise it must outlive the gateway.
  explicit PaymentGateway(keel::resilience::DependencyClient* client) noexcept : client_(client) {}

  [[nodiscard]] bool enabled() const noexcept { return client_ != nullptr; }

  [[nodiscard]] boost::asio::awaitable<ChargeOutcome> Charge(ChargeRequest request,
                                                             keel::Deadline deadline,
                                                             keel::StageAccount* stages = nullptr);

 private:
  keel::resilience::DependencyClient* client_;
};

}  // namespace shop::payments
