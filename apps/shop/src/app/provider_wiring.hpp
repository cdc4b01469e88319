// What the shop builds on its third-party providers (src/app/providers.hpp): the recommendations
// route (src/recommendations/) and the payment step of orders with its `payment.charge` job
// (src/payments/). The Shop owns one; without Providers (tests, `migrate`) it still exists, with
// no provider: recommendations come from the database and payments stay pending.
#pragma once

#include <keel/data/database.hpp>
#include <keel/http/context.hpp>
#include <keel/http/router.hpp>
#include <memory>

#include "src/app/background.hpp"
#include "src/app/providers.hpp"
#include "src/payments/gateway.hpp"
#include "src/payments/payment_step.hpp"
#include "src/payments/store.hpp"
#include "src/recommendations/provider.hpp"
#include "src/recommendations/service.hpp"
#include "src/recommendations/store.hpp"

namespace shop {

class ProviderWiring {
 public:
  // Everything must outlive the wiring; `providers` may be null (no provider configured) and
  // `sink` may be null.
  ProviderWiring(keel::data::Database& db, Background& background, Providers* providers,
                 keel::MetricSink* sink);
  ProviderWiring(const ProviderWiring&) = delete;
  ProviderWiring& operator=(const ProviderWiring&) = delete;

  // GET /v1/products/{id:int}/recommendations on the "/v1" group.
  void AddRoutes(keel::http::RouteGroup& v1);
  // payment.charge on queue "payments".
  void RegisterJobHandlers(Background& background);

  // What POST /v1/orders awaits after its transaction committed (orders::WriteRoutes::pay):
  // charges the order within the request's deadline and the payment budget; the payment_status
  // to answer with ("paid", "failed", or "pending" with a payment.charge job enqueued).
  boost::asio::awaitable<std::string> PayOrder(std::int64_t order_id, std::int64_t total_cents,
                                               keel::http::RequestContext& ctx);
  [[nodiscard]] payments::PaymentStep& payment_step() noexcept { return payment_step_; }

 private:
  Providers* providers_;
  recommendations::RecommendationStore recommendation_store_;
  std::unique_ptr<recommendations::Provider> recommendation_provider_;
  recommendations::RecommendationService recommendations_;
  payments::PaymentGateway payment_gateway_;
  payments::PaymentStore payment_store_;
  payments::PaymentStep payment_step_;
};

}  // namespace shop
