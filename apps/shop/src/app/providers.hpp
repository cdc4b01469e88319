// The shop's third-party providers, each behind a keel::resilience::DependencyClient (bulkhead →
// circuit breaker → hedging/retry → pooled HTTP client; docs/dependencies.md):
//
//   deps.recommendations.*  GET /recommendations/{id}, hedged; fallback: the category's top-rated
//   deps.payment.*          POST /payments with Idempotency-Key "order-<id>", 300 ms budget,
//                           retried within it; failure: the order stays pending, a job retries
//
// A provider whose `url` is unset (the shop.toml / `make run` default) is *not configured*: no
// client is built, recommendations come from the database (not marked degraded: nothing failed),
// and orders stay payment_status "pending" without a call or a job (docs/dependencies.md
// "keel-shop's providers"). Set deps.<name>.url to turn one on.
//
// Calls from request handlers run on the service's I/O threads; calls from job handlers (which
// run on the background runtime, or in `keel-shop worker` with no service at all) are posted to
// one I/O thread the Providers own (calls_context()), so every call shares one breaker, bulkhead
// and budget per provider.
//
//   shop::AddProviderConfig(schema);
//   auto providers = shop::Providers::Create(config, Contexts(service.runtime()), metrics, log);
//   shop::Shop shop(db, settings, background, providers->get());
#pragma once

#include <boost/asio/io_context.hpp>
#include <keel/core/clock.hpp>
#include <keel/core/config.hpp>
#include <keel/core/error.hpp>
#include <keel/core/metrics.hpp>
#include <keel/core/runtime.hpp>
#include <keel/observe/log.hpp>
#include <keel/resilience/fallback.hpp>
#include <keel/resilience/http/dependency_client.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace shop {

inline constexpr std::string_view kRecommendationsProvider = "recommendations";
inline constexpr std::string_view kPaymentProvider = "payment";

// Declares deps.recommendations.* and deps.payment.* with the shop's defaults (url unset).
void AddProviderConfig(keel::ConfigSchema& schema);

class Providers {
 public:
  // `contexts`: the I/O threads request handlers call from (empty in a worker process). Errors:
  // kInvalidArgument naming the deps.* key(s) that are invalid.
  [[nodiscard]] static keel::Result<std::unique_ptr<Providers>> Create(
      const keel::Config& config, std::vector<boost::asio::io_context*> contexts,
      keel::MetricSink& sink, keel::resilience::BreakerTransitionCallback on_transition);
  ~Providers();  // stops the calls thread; before the contexts given to Create are destroyed
  Providers(const Providers&) = delete;
  Providers& operator=(const Providers&) = delete;

  // Null when the provider is not configured.
  [[nodiscard]] keel::resilience::DependencyClient* recommendations() noexcept {
    return recommendations_.get();
  }
  [[nodiscard]] keel::resilience::DependencyClient* payment() noexcept { return payment_.get(); }
  [[nodiscard]] keel::resilience::FallbackCounter& recommendation_fallbacks() noexcept {
    return recommendation_fallbacks_;
  }
  [[nodiscard]] keel::MetricSink& sink() noexcept { return sink_; }
  // The Providers' own I/O thread, for calls made outside the service's I/O threads.
  [[nodiscard]] boost::asio::io_context& calls_context() noexcept { return calls_.Context(0); }

 private:
  explicit Providers(keel::MetricSink& sink);

  keel::MetricSink& sink_;
  keel::SteadyClock clock_;
  std::unique_ptr<keel::resilience::Random> random_;
  keel::resilience::FallbackCounter recommendation_fallbacks_;
  keel::Runtime calls_;
  std::thread calls_thread_;
  // Declared last: destroyed first, while the io_contexts still exist.
  std::unique_ptr<keel::resilience::DependencyClient> recommendations_;
  std::unique_ptr<keel::resilience::DependencyClient> payment_;
};

// Logs every breaker transition of a provider (warn; info when it closes again) and which
// providers are configured (info).
[[nodiscard]] keel::resilience::BreakerTransitionCallback LogBreakerTransitions(
    keel::observe::Logger& log);
void LogProviders(keel::observe::Logger& log, Providers& providers);

// Every io_context of a runtime (the `contexts` of Providers::Create).
[[nodiscard]] std::vector<boost::asio::io_context*> Contexts(keel::Runtime& runtime);

}  // namespace shop
