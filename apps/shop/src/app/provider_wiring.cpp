#include "src/app/provider_wiring.hpp"

#include <boost/asio/system_executor.hpp>

#include "src/recommendations/routes.hpp"

namespace shop {

namespace {

std::unique_ptr<recommendations::Provider> MakeProvider(Providers* providers) {
  if (providers == nullptr || providers->recommendations() == nullptr) {
    return nullptr;
  }
  return std::make_unique<recommendations::Provider>(*providers->recommendations());
}

boost::asio::any_io_executor CallExecutor(Providers* providers) {
  // Without a payment client the job never calls out; any executor will do.
  if (providers == nullptr) {
    return boost::asio::system_executor();
  }
  return providers->calls_context().get_executor();
}

}  // namespace

ProviderWiring::ProviderWiring(keel::data::Database& db, Background& background,
                               Providers* providers, keel::MetricSink* sink)
    : providers_(providers),
      recommendation_store_(db),
      recommendation_provider_(MakeProvider(providers)),
      recommendations_(recommendation_store_, recommendation_provider_.get()),
      payment_gateway_(providers != nullptr ? providers->payment() : nullptr),
      payment_store_(db),
      payment_step_(payment_gateway_, payment_store_, background.queue(), CallExecutor(providers),
                    sink) {}

void ProviderWiring::AddRoutes(keel::http::RouteGroup& v1) {
  recommendations::AddRoutes(
      v1, recommendations_,
      providers_ != nullptr ? &providers_->recommendation_fallbacks() : nullptr);
}

boost::asio::awaitable<std::string> ProviderWiring::PayOrder(std::int64_t order_id,
                                                             std::int64_t total_cents,
                                                             keel::http::RequestContext& ctx) {
  const payments::ChargeRequest request{.order_id = order_id, .amount_cents = total_cents};
  const keel::Deadline deadline = ctx.deadline();
  const payments::StepResult result =
      co_await payment_step_.AfterCommit(request, deadline, &ctx.stages());
  co_return std::string(payments::PaymentStatusName(result.status));
}

void ProviderWiring::RegisterJobHandlers(Background& background) {
  payments::PaymentStep* step = &payment_step_;
  background.RegisterHandler(
      std::string(payments::kChargeJobKind),
      [step](keel::jobs::JobContext& job) { return step->RunJob(job); },
      std::string(payments::kChargeJobQueue));
}

}  // namespace shop
