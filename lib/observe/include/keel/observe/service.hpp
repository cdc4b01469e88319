// keel/observe/service.hpp — the wiring every keel binary shares.
//
// A Service owns the runtime, the metric registry, the logger and access log, the routers and the
// HTTP server, and adds what every keel service exposes: GET /healthz and GET /readyz on the main
// listener (never competing with business traffic), GET /metrics on the admin listener (the main
// one unless server.admin_listen is set). Run() serves until SIGTERM/SIGINT, drains gracefully and
// returns the process exit code; a second signal exits at once.
//
//   keel::ConfigSchema schema;
//   keel::observe::Service::AddConfig(schema);
//   ... parse flags, keel::LoadConfigOrExit(schema, options) ...
//   keel::observe::Service service("keel-hello", config);
//   service.routes().Get("/plaintext", Plaintext);
//   return service.Run();
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "keel/core/config.hpp"
#include "keel/core/runtime.hpp"
#include "keel/http/router.hpp"
#include "keel/http/server.hpp"
#include "keel/observe/http_metrics.hpp"
#include "keel/observe/log.hpp"
#include "keel/observe/metric_registry.hpp"

namespace keel::observe {

// Declares the log.* keys.
void AddLogConfig(ConfigSchema& schema);

class Service {
 public:
  // Declares server.* and log.* keys.
  static void AddConfig(ConfigSchema& schema);

  Service(std::string name, const Config& config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  [[nodiscard]] http::Router& routes() noexcept { return routes_; }
  [[nodiscard]] http::Router& admin_routes() noexcept { return admin_routes_; }
  [[nodiscard]] MetricRegistry& metrics() noexcept { return registry_; }
  [[nodiscard]] Logger& logger() noexcept { return *logger_; }
  [[nodiscard]] Runtime& runtime() noexcept { return *runtime_; }
  [[nodiscard]] const http::ServerSettings& server_settings() const noexcept { return settings_; }

  // Adds `middleware` to the main router's root group so that it wraps every business route
  // registered afterwards: overload protection (keel::resilience::MakeOverloadMiddleware, built
  // from the overload.* / ratelimit.* config by the app, since observe sits below resilience).
  // Call it before registering routes: a route keeps the chain it was registered with, so a
  // business route registered earlier is a bug (KEEL_CHECK). The standard health routes are
  // already registered; they are admin routes, which such middleware passes through.
  void UseForBusinessRoutes(std::shared_ptr<http::Middleware> middleware);

  // Runs `hook` on the signal thread once draining has finished, before the runtime stops
  // (stop background workers here).
  void OnShutdown(std::function<void()> hook) { on_shutdown_ = std::move(hook); }

  // Starts listening, logs one "listening" line per listener, serves until a signal and a drain.
  // Returns 0 after a graceful drain, 1 when a listener could not be bound.
  int Run();

 private:
  void AddStandardRoutes();

  std::string name_;
  http::ServerSettings settings_;
  MetricRegistry registry_;
  std::unique_ptr<Logger> logger_;
  std::unique_ptr<AccessLog> access_log_;
  std::unique_ptr<HttpMetricsObserver> observer_;
  std::unique_ptr<Runtime> runtime_;
  http::Router routes_;
  http::Router admin_routes_;
  std::unique_ptr<http::Server> server_;
  std::function<void()> on_shutdown_;
  int signals_seen_ = 0;
};

}  // namespace keel::observe
