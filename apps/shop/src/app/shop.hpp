// The shop's object graph over one database: cursor signer, stores, services, and the routes
// that expose them. main.cpp builds one for `serve`; tests build one to list the routes.
//
//   shop::Background background(db, background_settings, &metrics);
//   shop::Shop shop(db, settings, background);
//   shop.AddRoutes(service.routes());   // serve
//   shop.RegisterJobHandlers();         // serve and worker: the consumers of jobs and events
//   background.Start(run_workers);
#pragma once

#include <keel/data/database.hpp>
#include <keel/http/router.hpp>
#include <keel/idempotency/recorder.hpp>

#include "src/app/background.hpp"
#include "src/app/config.hpp"
#include "src/app/provider_wiring.hpp"
#include "src/app/providers.hpp"
#include "src/common/cursor.hpp"
#include "src/orders/placement.hpp"
#include "src/orders/service.hpp"
#include "src/products/cache.hpp"
#include "src/products/service.hpp"
#include "src/reports/service.hpp"
#include "src/users/cache.hpp"
#include "src/users/service.hpp"

namespace shop {

class Shop {
 public:
  // `db` and `background` must outlive the Shop, and the Shop every router it added routes to.
  // `metrics` (may be null) gets the keel_cache_* metrics; it must outlive the Shop.
  Shop(keel::data::Database& db, const ShopSettings& settings, Background& background,
       keel::MetricSink* metrics = nullptr);
  Shop(const Shop&) = delete;
  Shop& operator=(const Shop&) = delete;

  // Uses the configured third-party providers (recommendations, payment) from now on; before
  // AddRoutes and RegisterJobHandlers. Without it no provider is used (src/app/providers.hpp).
  // `providers` must outlive the Shop.
  void UseProviders(Providers& providers);
  // Background jobs' heavy reads (report chunks) go through `reads`, a second SqliteDatabase on
  // the same file with low-priority threads (BackgroundReadSettings); it must outlive the Shop.
  void UseBackgroundReads(keel::data::Database& reads);

  // GET / and /openapi.json, the /v1 API, and /debug/* when shop.debug_routes is set.
  void AddRoutes(keel::http::Router& router);
  // Registers the shop's job handlers and outbox consumers on the background (before its Start).
  void RegisterJobHandlers();

 private:
  keel::data::Database& db_;
  Background& background_;
  bool debug_routes_;
  std::chrono::seconds product_max_age_;
  CursorSigner signer_;
  products::ProductStore product_store_;
  users::UserStore user_store_;
  orders::OrderStore order_store_;
  products::ProductService products_;
  users::UserService users_;
  keel::SteadyClock clock_;  // the caches' clock
  products::ProductCache product_cache_;
  users::SummaryCache summary_cache_;
  orders::OrderService orders_;
  keel::MetricSink* metrics_;
  keel::idempotency::IdempotencyRecorder idempotency_;  // Idempotency-Key of POST /v1/orders
  orders::OrderPlacement placement_;                    // POST /v1/orders' transaction
  reports::ReportStore report_store_;
  reports::ReportService reports_;
  std::unique_ptr<ProviderWiring> provider_wiring_;  // recommendations, payments
};

}  // namespace shop
