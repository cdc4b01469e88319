// HTTP face of the orders:
//   GET  /v1/users/{id:int}/orders?status=&limit=&cursor=   newest first, items embedded
//   POST /v1/orders        Idempotency-Key required; 201 + Location, the order as body
//   GET  /v1/orders/{id:int}
//
// POST /v1/orders sits behind keel::idempotency's middleware (key required, scoped to the caller:
// the X-Api-Key header's digest when sent, else the client address). The handler stores its 201
// in the order's own transaction (IdempotencyRecorder::CompleteInTx), so "the order exists" and
// "a retry replays its 201" commit together; a crash cannot leave one without the other.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <keel/core/metrics.hpp>
#include <keel/http/router.hpp>
#include <keel/idempotency/recorder.hpp>

#include "src/orders/placement.hpp"
#include "src/orders/service.hpp"

namespace shop::orders {

// The header whose value scopes Idempotency-Keys to a caller.
inline constexpr std::string_view kCallerHeader = "X-Api-Key";

struct WriteRoutes {
  OrderPlacement& placement;
  const keel::idempotency::IdempotencyRecorder& recorder;
  keel::MetricSink* metrics = nullptr;  // keel_idempotency_* (may be null)
  // Runs last inside the order's transaction (the payment's durable retry job); may be empty.
  InOrderTx in_tx;
  // Runs on the I/O thread after a new order committed (cache invalidation); may be empty.
  std::function<void(const Order&)> on_placed;
  // Awaited after a new order committed (and after on_placed), before answering: charges it
  // (src/payments/payment_step.hpp) and returns the payment_status to answer with. Empty: the
  // order is answered 'pending'. An idempotent replay answers the stored 201 (payment 'pending').
  std::function<boost::asio::awaitable<std::string>(const Order&, keel::http::RequestContext&)> pay;
};

// Adds the routes to `v1` (the "/v1" group); everything referenced must outlive the router.
void AddRoutes(keel::http::RouteGroup& v1, OrderService& service, const WriteRoutes& writes);

}  // namespace shop::orders
