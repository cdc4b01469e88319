#include "keel/observe/service.hpp"

#include <unistd.h>

#include "keel/core/check.hpp"
#include "keel/observe/process_metrics.hpp"

namespace keel::observe {

namespace {
LogLevel ParseLevel(const std::string& s) {
  if (s == "debug") {
    return LogLevel::kDebug;
  }
  if (s == "warn") {
    return LogLevel::kWarn;
  }
  if (s == "error") {
    return LogLevel::kError;
  }
  return LogLevel::kInfo;
}

AccessLogMode ParseAccessMode(const std::string& s) {
  if (s == "off") {
    return AccessLogMode::kOff;
  }
  if (s == "sampled") {
    return AccessLogMode::kSampled;
  }
  return AccessLogMode::kOn;
}
}  // namespace

void AddLogConfig(ConfigSchema& schema) {
  schema.Add({.name = "log.level",
              .type = ConfigType::kString,
              .default_value = "info",
              .description = "Lowest level written.",
              .choices = {"debug", "info", "warn", "error"}});
  schema.Add({.name = "log.access",
              .type = ConfigType::kString,
              .default_value = "on",
              .description = "Access log: every request, none, or a sample (plus every 5xx).",
              .choices = {"on", "off", "sampled"}});
  schema.Add({.name = "log.access_sample_rate",
              .type = ConfigType::kDouble,
              .default_value = "0.01",
              .description = "Share of requests logged when log.access = \"sampled\".",
              .min = 0.0,
              .max = 1.0});
}

void Service::AddConfig(ConfigSchema& schema) {
  http::AddServerConfig(schema);
  AddLogConfig(schema);
}

Service::Service(std::string name, const Config& config)
    : name_(std::move(name)), settings_(http::ServerSettingsFromConfig(config)) {
  logger_ = std::make_unique<Logger>(
      LogSettings{.level = ParseLevel(config.GetString("log.level")), .fd = STDOUT_FILENO},
      &registry_);
  access_log_ = std::make_unique<AccessLog>(
      *logger_, AccessLogSettings{.mode = ParseAccessMode(config.GetString("log.access")),
                                  .sample_rate = config.GetDouble("log.access_sample_rate")});
  observer_ = std::make_unique<HttpMetricsObserver>(registry_, access_log_.get(), logger_.get());
  AddProcessCollector(registry_);
  runtime_ = std::make_unique<Runtime>(
      RuntimeSettings{.threads = static_cast<std::size_t>(config.GetInt("server.threads"))},
      &registry_);
  AddStandardRoutes();
}

Service::~Service() {
  // Destroy the io_contexts first: that destroys every suspended connection coroutine while the
  // server state they point into is still alive.
  runtime_.reset();
  server_.reset();
}

void Service::UseForBusinessRoutes(std::shared_ptr<http::Middleware> middleware) {
  for (const auto& route : routes_.routes()) {
    KEEL_CHECK(route->options.admin);  // a business route registered before its middleware
  }
  routes_.Use(std::move(middleware));
}

void Service::AddStandardRoutes() {
  const http::RouteOptions admin{.max_body_bytes = 0, .admin = true};
  routes_.Get(
      "/healthz",
      [](http::Request&, http::RequestContext&) -> boost::asio::awaitable<http::Response> {
        co_return http::Response::Text(200, "ok");
      },
      admin);
  routes_.Get(
      "/readyz",
      [this](http::Request&, http::RequestContext&) -> boost::asio::awaitable<http::Response> {
        const bool ready = server_ != nullptr && server_->ready();
        co_return http::Response::Text(ready ? 200 : 503, ready ? "ready" : "not ready");
      },
      admin);
  admin_routes_.Get(
      "/metrics",
      [this](http::Request&, http::RequestContext&) -> boost::asio::awaitable<http::Response> {
        http::Response r(200);
        r.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        r.set_body(registry_.RenderPrometheus());
        co_return r;
      },
      admin);
}

int Service::Run() {
  server_ = std::make_unique<http::Server>(*runtime_, settings_, routes_, admin_routes_,
                                           observer_.get(), &registry_);
  if (auto started = server_->Start(); !started) {
    logger_->Log(LogLevel::kError, "cannot start", {{"error", started.error().message()}});
    logger_->Flush();
    return 1;
  }
  const auto main = http::ParseHostPort(settings_.listen);
  logger_->Log(LogLevel::kInfo, "listening",
               {{"service", name_},
                {"address", main->host + ":" + std::to_string(server_->port())},
                {"threads", static_cast<std::int64_t>(runtime_->size())}});
  if (!settings_.admin_listen.empty()) {
    const auto admin = http::ParseHostPort(settings_.admin_listen);
    logger_->Log(LogLevel::kInfo, "listening",
                 {{"service", name_},
                  {"address", admin->host + ":" + std::to_string(server_->admin_port())},
                  {"admin", true}});
  }
  runtime_->OnSignal([this](int signo) {
    if (++signals_seen_ > 1) {
      logger_->Log(LogLevel::kWarn, "second signal: exiting now", {{"signal", signo}});
      logger_->Flush();
      ::_exit(1);
    }
    logger_->Log(LogLevel::kInfo, "draining",
                 {{"signal", signo},
                  {"drain_timeout_ms",
                   static_cast<std::int64_t>(settings_.drain_timeout.count() / 1000000)}});
    server_->Drain([this] {
      if (on_shutdown_) {
        on_shutdown_();
      }
      logger_->Log(LogLevel::kInfo, "stopped");
      runtime_->Stop();
    });
  });
  runtime_->Run();
  logger_->Flush();
  return 0;
}

}  // namespace keel::observe
