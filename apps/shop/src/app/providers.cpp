#include "src/app/providers.hpp"

#include <random>

namespace shop {

namespace res = keel::resilience;
using namespace std::chrono_literals;

namespace {

// Shared by both providers: a circuit breaker sized for a shop, not for resilience4j's
// high-volume defaults (100-call window, 60 s open). 20 calls decide, so an outage is seen
// within a fraction of a second under load; 5 s open, then 5 trial calls, so a provider that
// came back gets traffic again quickly — and one that did not costs 5 calls per 5 s.
void ShopBreaker(res::DependencySettings& s) {
  s.breaker.window_type = res::BreakerWindow::kCountBased;
  s.breaker.window_size = 50;
  s.breaker.minimum_calls = 20;
  s.breaker.failure_rate_threshold = 50;
  s.breaker.wait_in_open = 5s;
  s.breaker.max_wait_in_open = 60s;
  s.breaker.permitted_calls_in_half_open = 5;
}

res::DependencySettings RecommendationDefaults() {
  res::DependencySettings s;
  // A few ms normally; 150 ms is the most a product page waits before falling back, and the
  // route's 400 ms budget still has room for the fallback query after it.
  s.timeout = 150ms;
  s.http.connect_timeout = 100ms;
  s.bulkhead.max_concurrent = 64;
  s.bulkhead.max_queue = 64;
  s.bulkhead.max_wait = 20ms;
  ShopBreaker(s);
  s.breaker.slow_call_duration = 100ms;  // a provider that slow is as useless as a dead one
  s.hedge_enabled = true;                // an idempotent read: hedge the tail (Tail at Scale)
  // p90, not the library's p95: when a few percent of answers stall (the case hedging is for), the
  // p95 of the observed latencies lands on the stall itself and a hedge would go out too late
  // to help. The hedge budget (10 % of calls) bounds the extra load either way.
  s.hedge.quantile = 0.9;
  return s;
}

res::DependencySettings PaymentDefaults() {
  res::DependencySettings s;
  // The budget: an order never waits more than 300 ms for its payment; past that it is
  // accepted as pending and a job finishes the charge.
  s.timeout = 300ms;
  // One hung attempt must leave time for a retry within the 300 ms.
  s.attempt_timeout = 150ms;
  s.http.connect_timeout = 100ms;
  s.bulkhead.max_concurrent = 32;
  s.bulkhead.max_queue = 32;
  s.bulkhead.max_wait = 20ms;
  ShopBreaker(s);
  return s;
}

}  // namespace

void AddProviderConfig(keel::ConfigSchema& schema) {
  res::AddDependencyConfig(schema, kRecommendationsProvider, RecommendationDefaults());
  res::AddDependencyConfig(schema, kPaymentProvider, PaymentDefaults());
}

std::vector<boost::asio::io_context*> Contexts(keel::Runtime& runtime) {
  std::vector<boost::asio::io_context*> contexts;
  for (std::size_t i = 0; i < runtime.size(); ++i) {
    contexts.push_back(&runtime.Context(i));
  }
  return contexts;
}

res::BreakerTransitionCallback LogBreakerTransitions(keel::observe::Logger& log) {
  return [&log](const res::BreakerTransition& t) {
    const auto level = t.to == res::BreakerState::kClosed ? keel::observe::LogLevel::kInfo
                                                          : keel::observe::LogLevel::kWarn;
    log.Log(level, "circuit breaker transition",
            {{"dependency", t.name},
             {"from", res::BreakerStateName(t.from)},
             {"to", res::BreakerStateName(t.to)},
             {"failure_rate", t.failure_rate},
             {"slow_rate", t.slow_rate}});
  };
}

void LogProviders(keel::observe::Logger& log, Providers& providers) {
  auto state = [](res::DependencyClient* c) -> std::string {
    if (c == nullptr) {
      return "not configured";
    }
    std::string urls;
    for (const auto& u : c->settings().urls) {
      urls += (urls.empty() ? "" : ",") + u;
    }
    return urls;
  };
  log.Log(keel::observe::LogLevel::kInfo, "providers",
          {{"recommendations", state(providers.recommendations())},
           {"payment", state(providers.payment())}});
}

Providers::Providers(keel::MetricSink& sink)
    : sink_(sink),
      random_(std::make_unique<res::SplitMixRandom>(std::random_device{}())),
      recommendation_fallbacks_(std::string(kRecommendationsProvider), sink),
      calls_(keel::RuntimeSettings{.threads = 1}, nullptr) {}

Providers::~Providers() {
  calls_.Stop();
  if (calls_thread_.joinable()) {
    calls_thread_.join();
  }
}

keel::Result<std::unique_ptr<Providers>> Providers::Create(
    const keel::Config& config, std::vector<boost::asio::io_context*> contexts,
    keel::MetricSink& sink, res::BreakerTransitionCallback on_transition) {
  std::unique_ptr<Providers> p(new Providers(sink));
  contexts.push_back(&p->calls_.Context(0));
  std::string problems;
  auto build = [&](std::string_view name) -> std::unique_ptr<res::DependencyClient> {
    if (config.GetString("deps." + std::string(name) + ".url").empty()) {
      return nullptr;  // not configured
    }
    auto settings = res::DependencySettingsFromConfig(config, name);
    if (!settings) {
      problems += (problems.empty() ? "" : "\n") + settings.error().message();
      return nullptr;
    }
    return std::make_unique<res::DependencyClient>(std::move(*settings), contexts, sink, p->clock_,
                                                   *p->random_, on_transition);
  };
  p->recommendations_ = build(kRecommendationsProvider);
  p->payment_ = build(kPaymentProvider);
  if (!problems.empty()) {
    return keel::Error(keel::ErrorCode::kInvalidArgument, problems);
  }
  Providers* raw = p.get();
  p->calls_thread_ = std::thread([raw] { raw->calls_.Run(); });
  return p;
}

}  // namespace shop
