#include "keel/resilience/http/overload_middleware.hpp"

#include "keel/resilience/local_rate_limiter.hpp"
#include "keel/resilience/overload_config.hpp"

namespace keel::resilience {

namespace {

std::shared_ptr<AdmissionMiddleware> MakeAdmission(const OverloadSettings& s,
                                                   std::shared_ptr<const Clock> clock,
                                                   MetricSink& sink) {
  AdmissionMiddlewareSettings settings{.admission = s.admission,
                                       .deadline_aware = s.deadline_aware,
                                       .service_time = s.service_time,
                                       .trusted_priority_peers = s.trusted_priority_peers,
                                       .retry_after = s.retry_after};
  return std::make_shared<AdmissionMiddleware>(MakeConcurrencyLimit(s), std::move(settings),
                                               std::move(clock), sink);
}

RateLimitRule MakeRule(RatePolicy policy, const RateLimitSettings& s, const Clock& clock,
                       MetricSink& sink) {
  Gauge& keys = sink.GetGauge("keel_ratelimit_keys", "Clients tracked by a rate-limit policy",
                              {{"policy", policy.name}});
  auto limiter = std::make_shared<LocalRateLimiter>(
      policy.quota, LocalRateLimiterSettings{.max_keys = s.max_keys}, clock, &keys);
  return RateLimitRule{.policy = std::move(policy), .limiter = std::move(limiter)};
}

std::shared_ptr<RateLimitMiddleware> MakeRateLimit(const RateLimitSettings& s,
                                                   std::shared_ptr<const Clock> clock,
                                                   MetricSink& sink) {
  RateLimitMiddlewareSettings settings;
  for (const RatePolicy& p : s.policies) {
    settings.rules.push_back(MakeRule(p, s, *clock, sink));
  }
  if (s.global) {
    RatePolicy global{.name = "global", .route = "", .quota = *s.global, .key = RateKey::kGlobal};
    settings.global = MakeRule(std::move(global), s, *clock, sink);
  }
  settings.client_ip = s.client_ip;
  return std::make_shared<RateLimitMiddleware>(std::move(settings), std::move(clock), sink);
}

}  // namespace

std::vector<std::shared_ptr<http::Middleware>> OverloadMiddleware::InOrder() const {
  std::vector<std::shared_ptr<http::Middleware>> out;
  if (rate_limit) {
    out.push_back(rate_limit);
  }
  if (admission) {
    out.push_back(admission);
  }
  return out;
}

Result<OverloadMiddleware> MakeOverloadMiddleware(const Config& config, MetricSink& sink) {
  auto overload = OverloadSettingsFromConfig(config);
  if (!overload) {
    return std::move(overload).error();
  }
  auto rate = RateLimitSettingsFromConfig(config);
  if (!rate) {
    return std::move(rate).error();
  }
  auto clock = std::make_shared<const SteadyClock>();
  OverloadMiddleware out;
  if (rate->enabled && (rate->global || !rate->policies.empty())) {
    out.rate_limit = MakeRateLimit(*rate, clock, sink);
  }
  if (overload->enabled) {
    out.admission = MakeAdmission(*overload, clock, sink);
  }
  return out;
}

}  // namespace keel::resilience
