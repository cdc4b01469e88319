#include "src/payments/gateway.hpp"

#include <boost/json/value.hpp>
#include <keel/http/json_body.hpp>
#include <keel/resilience/fallback.hpp>

#include "src/common/json_writer.hpp"

namespace shop::payments {

std::string_view PaymentStatusName(PaymentStatus status) noexcept {
  switch (status) {
    case PaymentStatus::kPaid:
      return "paid";
    case PaymentStatus::kFailed:
      return "failed";
    case PaymentStatus::kPending:
      break;
  }
  return "pending";
}

std::string ChargeIdempotencyKey(std::int64_t order_id) {
  return "order-" + std::to_string(order_id);
}

std::string ChargeBody(const ChargeRequest& request) {
  std::string body;
  JsonWriter w(body);
  w.BeginObject();
  w.Key("order_id");
  w.Int(request.order_id);
  w.Key("amount_cents");
  w.Int(request.amount_cents);
  w.Key("currency");
  w.String("USD");
  w.EndObject();
  return body;
}

ChargeOutcome OutcomeOfResponse(int status, std::string_view body) {
  if (status == 402) {
    return {.status = PaymentStatus::kFailed, .reason = "declined by the payment provider"};
  }
  if (status != 200 && status != 201) {
    return {.status = PaymentStatus::kPending,
            .reason = "payment provider answered " + std::to_string(status),
            .kind = "error"};
  }
  auto json = keel::http::ParseJson(body);
  const boost::json::object* object = json ? json->if_object() : nullptr;
  const boost::json::value* state = object ? object->if_contains("status") : nullptr;
  const boost::json::value* id = object ? object->if_contains("id") : nullptr;
  if (state == nullptr || !state->is_string() || id == nullptr || !id->is_string()) {
    return {.status = PaymentStatus::kPending,
            .reason = "malformed payment provider answer",
            .kind = "error"};
  }
  if (state->get_string() == "declined") {
    return {.status = PaymentStatus::kFailed, .reason = "declined by the payment provider"};
  }
  if (state->get_string() != "captured") {  // e.g. "processing": not paid yet
    return {.status = PaymentStatus::kPending,
            .reason = "payment " + std::string(state->get_string()),
            .kind = "error"};
  }
  return {.status = PaymentStatus::kPaid, .payment_id = std::string(id->get_string())};
}

boost::asio::awaitable<ChargeOutcome> PaymentGateway::Charge(ChargeRequest request,
                                                             keel::Deadline deadline,
                                                             keel::StageAccount* stages) {
  if (client_ == nullptr) {
    co_return ChargeOutcome{.status = PaymentStatus::kPending,
                            .reason = "payments are not configured (deps.payment.url)",
                            .kind = "disabled"};
  }
  keel::http::ClientRequest call{
      .method = keel::http::Method::kPost, .target = "/payments", .body = ChargeBody(request)};
  call.headers.emplace_back("Content-Type", "application/json");
  // Makes the POST retryable (DependencyClient retries only idempotent calls) and the provider
  // charge at most once however many attempts reach it.
  call.headers.emplace_back("Idempotency-Key", ChargeIdempotencyKey(request.order_id));
  const keel::resilience::CallOptions options{.deadline = deadline, .stages = stages};
  auto response = co_await client_->Call(call, options);
  if (!response) {
    co_return ChargeOutcome{.status = PaymentStatus::kPending,
                            .reason = response.error().message(),
                            .kind = keel::resilience::FallbackReason(response.error())};
  }
  co_return OutcomeOfResponse(response->status, response->body);
}

}  // namespace shop::payments
