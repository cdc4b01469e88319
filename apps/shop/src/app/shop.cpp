#include "src/app/shop.hpp"

#include "src/api/openapi.hpp"
#include "src/common/time.hpp"
#include "src/debug/routes.hpp"
#include "src/info/routes.hpp"
#include "src/orders/notifications.hpp"
#include "src/orders/routes.hpp"
#include "src/products/routes.hpp"
#include "src/reports/job.hpp"
#include "src/reports/routes.hpp"
#include "src/users/routes.hpp"

namespace shop {

namespace {

// The test-only report type exists only where the debug routes do.
reports::ReportSettings ReportSettingsOf(const ShopSettings& settings) {
  reports::ReportSettings out = settings.reports;
  out.test_types = settings.debug_routes;
  return out;
}

}  // namespace

Shop::Shop(keel::data::Database& db, const ShopSettings& settings, Background& background,
           keel::MetricSink* metrics)
    : db_(db),
      background_(background),
      debug_routes_(settings.debug_routes),
      product_max_age_(settings.product_max_age),
      signer_(settings.cursor_secret),
      product_store_(db),
      user_store_(db),
      order_store_(db),
      products_(product_store_, signer_, NowTimestamp),
      users_(user_store_),
      product_cache_(products_,
                     {.enabled = settings.cache.enabled,
                      .by_id = settings.cache.products,
                      .pages = settings.cache.lists},
                     clock_, metrics),
      summary_cache_(users_, settings.cache.enabled, settings.cache.summaries, clock_, metrics),
      orders_(order_store_, user_store_, signer_),
      metrics_(metrics),
      idempotency_(background.idempotency_store()),
      placement_(db, background.outbox(), NowTimestamp),
      report_store_(db, background.queue(), std::string(reports::kJobQueue)),
      reports_(report_store_, ReportSettingsOf(settings)),
      provider_wiring_(std::make_unique<ProviderWiring>(db, background, nullptr, metrics)) {}

void Shop::UseBackgroundReads(keel::data::Database& reads) {
  report_store_.UseForChunkReads(reads);
}

void Shop::UseProviders(Providers& providers) {
  provider_wiring_ =
      std::make_unique<ProviderWiring>(db_, background_, &providers, &providers.sink());
}

void Shop::AddRoutes(keel::http::Router& router) {
  info::AddRoutes(router);
  api::AddRoutes(router);
  auto& v1 = router.Group("/v1");
  products::AddRoutes(v1, products_, product_cache_, {.max_age = product_max_age_});
  users::AddRoutes(v1, users_, summary_cache_);
  orders::AddRoutes(v1, orders_,
                    {.placement = placement_,
                     .recorder = idempotency_,
                     .metrics = metrics_,
                     // The payment's retry commits with the order (payments/payment_step.hpp).
                     .in_tx =
                         [this](keel::data::Tx& tx, const orders::Order& order) {
                           return provider_wiring_->payment_step().EnqueueInOrderTx(tx, order.id);
                         },
                     // Stock, versions and the user's summary changed: drop what shows them.
                     .on_placed =
                         [this](const orders::Order& order) {
                           for (const auto& item : order.items) {
                             product_cache_.Invalidate(item.product_id);
                           }
                           summary_cache_.Invalidate(order.user_id);
                         },
                     // The payment, after the commit (src/app/provider_wiring.hpp).
                     .pay =
                         [this](const orders::Order& order, keel::http::RequestContext& ctx) {
                           return provider_wiring_->PayOrder(order.id, order.total_cents, ctx);
                         }});
  provider_wiring_->AddRoutes(v1);
  reports::AddRoutes(v1, reports_);
  if (debug_routes_) {
    debug::AddRoutes(router, db_);
  }
}

void Shop::RegisterJobHandlers() {
  background_.RegisterEventHandler(
      std::string(orders::kOrderCreatedTopic),
      orders::MakeOrderNotifier(db_, background_.settings().test_job_delay));
  provider_wiring_->RegisterJobHandlers(background_);
  background_.RegisterHandler(std::string(reports::kJobKind),
                              reports::MakeReportHandler(report_store_, reports_.settings()),
                              std::string(reports::kJobQueue));
}

}  // namespace shop
