// keel/resilience/http/overload_middleware.hpp — the overload protection a service installs.
//
// Builds, from the overload.* and ratelimit.* configuration (overload_config.hpp), the rate-limit
// and admission middleware, in the order they must wrap the business routes: the rate limit
// first (a client over its quota is refused before it can take an admission slot or a queue
// place), then admission. Install them on the main router's root group before registering
// business routes (keel::observe::Service::UseForBusinessRoutes does exactly that).
//
//   keel::resilience::AddOverloadConfig(schema);                 // before loading the config
//   ...
//   auto overload = keel::resilience::MakeOverloadMiddleware(config, service.metrics());
//   if (!overload) { ... configuration error: exit 2 ... }
//   for (auto& m : overload->InOrder()) service.UseForBusinessRoutes(m);
#pragma once

#include <memory>
#include <vector>

#include "keel/core/config.hpp"
#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"
#include "keel/resilience/http/admission_middleware.hpp"
#include "keel/resilience/http/rate_limit_middleware.hpp"

namespace keel::resilience {

struct OverloadMiddleware {
  std::shared_ptr<RateLimitMiddleware> rate_limit;  // null when ratelimit.enabled = false
  std::shared_ptr<AdmissionMiddleware> admission;   // null when overload.enabled = false

  // The non-null ones, in installation order.
  [[nodiscard]] std::vector<std::shared_ptr<http::Middleware>> InOrder() const;
};

// Errors: kInvalidArgument for settings that contradict each other (see overload_config.hpp).
// `sink` must outlive the middleware.
[[nodiscard]] Result<OverloadMiddleware> MakeOverloadMiddleware(const Config& config,
                                                                MetricSink& sink);

}  // namespace keel::resilience
