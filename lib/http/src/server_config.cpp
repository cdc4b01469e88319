#include <charconv>

#include "keel/http/server.hpp"

namespace keel::http {

Result<HostPort> ParseHostPort(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Error(ErrorCode::kInvalidArgument, "expected HOST:PORT");
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || p != port_text.data() + port_text.size() ||
      port > 65535) {
    return Error(ErrorCode::kInvalidArgument, "the port must be a number from 0 to 65535");
  }
  return HostPort{std::string(host), static_cast<std::uint16_t>(port)};
}

namespace {
std::optional<std::string> ValidateHostPort(const ConfigValue& v, bool allow_empty) {
  const auto& s = std::get<std::string>(v);
  if (s.empty() && allow_empty) {
    return std::nullopt;
  }
  if (auto hp = ParseHostPort(s); !hp) {
    return hp.error().message();
  }
  return std::nullopt;
}
}  // namespace

void AddServerConfig(ConfigSchema& schema) {
  using T = ConfigType;
  schema.Add({.name = "server.listen",
              .type = T::kString,
              .default_value = "127.0.0.1:8080",
              .description = "Main listener HOST:PORT (business routes, /healthz, /readyz).",
              .validate = [](const ConfigValue& v) { return ValidateHostPort(v, false); }});
  schema.Add({.name = "server.admin_listen",
              .type = T::kString,
              .default_value = "",
              .description = "Admin listener HOST:PORT for /metrics; empty = the main listener.",
              .validate = [](const ConfigValue& v) { return ValidateHostPort(v, true); }});
  schema.Add({.name = "server.threads",
              .type = T::kInt,
              .default_value = "0",
              .description = "I/O threads; 0 = one per core.",
              .min = 0,
              .max = 1024});
  schema.Add({.name = "server.max_request_line",
              .type = T::kInt,
              .default_value = "8192",
              .description = "Longest request line in bytes; longer -> 414.",
              .min = 64,
              .max = 1 << 20});
  schema.Add({.name = "server.max_header_bytes",
              .type = T::kInt,
              .default_value = "32768",
              .description = "Largest header section in bytes; larger -> 431.",
              .min = 256,
              .max = 1 << 24});
  schema.Add({.name = "server.max_header_count",
              .type = T::kInt,
              .default_value = "100",
              .description = "Most header fields in a request; more -> 431.",
              .min = 1,
              .max = 10000});
  schema.Add({.name = "server.max_body_bytes",
              .type = T::kInt,
              .default_value = "1048576",
              .description = "Default request body limit (routes may override); larger -> 413.",
              .min = 0,
              .max = 1LL << 40});
  schema.Add({.name = "server.max_connections",
              .type = T::kInt,
              .default_value = "100000",
              .description = "Open connections at most; past it new connections are closed.",
              .min = 1,
              .max = 10000000});
  schema.Add({.name = "server.header_timeout",
              .type = T::kDuration,
              .default_value = "10s",
              .description = "Time to receive a whole request head, from its first byte -> 408.",
              .min = 0.001});
  schema.Add({.name = "server.body_timeout",
              .type = T::kDuration,
              .default_value = "10s",
              .description = "Longest time without request-body progress -> 408.",
              .min = 0.001});
  schema.Add({.name = "server.keepalive_timeout",
              .type = T::kDuration,
              .default_value = "60s",
              .description = "Idle time before a keep-alive connection is closed.",
              .min = 0.001});
  schema.Add({.name = "server.write_timeout",
              .type = T::kDuration,
              .default_value = "10s",
              .description = "Longest time to hand a response to a slow reader before closing.",
              .min = 0.001});
  schema.Add({.name = "server.drain_timeout",
              .type = T::kDuration,
              .default_value = "10s",
              .description = "On SIGTERM/SIGINT, how long in-flight requests may finish.",
              .min = 0.0});
  schema.Add({.name = "server.max_queries_per_request",
              .type = T::kInt,
              .default_value = "20",
              .description = "Database calls a request may make before it is logged and counted "
                             "as a likely N+1 pattern (routes may override).",
              .min = 1,
              .max = 100000});
  schema.Add({.name = "server.request_timeout",
              .type = T::kDuration,
              .default_value = "1s",
              .description = "Default latency budget of a request, from its first byte; a client's "
                             "X-Request-Timeout/grpc-timeout only tightens it. Past it: 504.",
              .min = 0.001});
  schema.Add({.name = "server.server_timing",
              .type = T::kBool,
              .default_value = "false",
              .description = "Send a Server-Timing header with the request's stage times."});
}

ServerSettings ServerSettingsFromConfig(const Config& c) {
  ServerSettings s;
  s.listen = c.GetString("server.listen");
  s.admin_listen = c.GetString("server.admin_listen");
  s.max_request_line = static_cast<std::size_t>(c.GetInt("server.max_request_line"));
  s.max_header_bytes = static_cast<std::size_t>(c.GetInt("server.max_header_bytes"));
  s.max_header_count = static_cast<std::size_t>(c.GetInt("server.max_header_count"));
  s.max_body_bytes = static_cast<std::uint64_t>(c.GetInt("server.max_body_bytes"));
  s.max_connections = static_cast<std::size_t>(c.GetInt("server.max_connections"));
  s.header_timeout = c.GetDuration("server.header_timeout");
  s.body_timeout = c.GetDuration("server.body_timeout");
  s.keepalive_timeout = c.GetDuration("server.keepalive_timeout");
  s.write_timeout = c.GetDuration("server.write_timeout");
  s.drain_timeout = c.GetDuration("server.drain_timeout");
  s.request_timeout = c.GetDuration("server.request_timeout");
  s.server_timing = c.GetBool("server.server_timing");
  s.max_queries_per_request =
      static_cast<std::uint32_t>(c.GetInt("server.max_queries_per_request"));
  return s;
}

}  // namespace keel::http
