// keel/resilience/http/dependency_config.hpp — one outbound dependency's settings and config keys.
//
// Everything a DependencyClient needs, per dependency, declared under `deps.<name>.` in the
// ConfigSchema (so it is documented by --config-reference, validated at startup with the key's
// name, and overridable from TOML, KEEL_DEPS__<NAME>__<KEY> or --set):
//
//   keel::resilience::DependencySettings defaults;
//   defaults.urls = {"http://127.0.0.1:8081"};
//   keel::resilience::AddDependencyConfig(schema, "payment", defaults);
//   ... load the config ...
//   auto settings = keel::resilience::DependencySettingsFromConfig(config, "payment");
//   if (!settings) { report settings.error().message() and exit 2 }
//
// Every key, its default and the reason for it are in docs/dependencies.md.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/config.hpp"
#include "keel/core/error.hpp"
#include "keel/http/client.hpp"
#include "keel/resilience/bulkhead.hpp"
#include "keel/resilience/circuit_breaker.hpp"
#include "keel/resilience/hedging.hpp"
#include "keel/resilience/retry.hpp"
#include "keel/resilience/retry_budget.hpp"

namespace keel::resilience {

struct DependencySettings {
  std::string name = "dependency";  // lower_snake; the `dependency` metric label
  // Endpoints ("http://host:port"); retries and hedges rotate through them.
  std::vector<std::string> urls;
  // Bound of one whole call (every attempt and back-off); the caller's deadline may be earlier.
  Duration timeout = std::chrono::seconds(1);
  // Bound of one attempt (0: only `timeout`), so one hanging attempt leaves time for a retry.
  Duration attempt_timeout{0};
  http::ClientSettings http;  // pool, connect timeout, limits (url and name are set per endpoint)
  BulkheadSettings bulkhead;
  bool breaker_enabled = true;
  CircuitBreakerSettings breaker;
  RetrySettings retry;
  RetryBudgetSettings retry_budget;
  bool hedge_enabled = false;
  HedgeSettings hedge;
  RetryBudgetSettings hedge_budget{.percent = 10.0, .min_per_second = 1.0};
};

// Declares every deps.<name>.* key with `defaults` as the default values. `name` must be
// lower_snake (a programming error otherwise: KEEL_CHECK).
void AddDependencyConfig(ConfigSchema& schema, std::string_view name,
                         const DependencySettings& defaults = {});

// Reads deps.<name>.* back; kInvalidArgument naming the key(s) when a value is invalid on its own
// (a URL) or with another (retry.base > retry.cap, max_idle > max_connections, ...).
[[nodiscard]] Result<DependencySettings> DependencySettingsFromConfig(const Config& config,
                                                                      std::string_view name);

}  // namespace keel::resilience
