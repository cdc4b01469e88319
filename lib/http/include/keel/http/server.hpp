// keel/http/server.hpp — the HTTP/1.1 server: listeners, connections, drain.
//
// One listening socket per I/O thread (SO_REUSEPORT) so the kernel spreads connections and a
// connection lives on one thread for its whole life. Requests are parsed strictly (RFC 9112),
// pipelined requests are answered in order, and the responses to one batch of pipelined requests
// are written with one system call. Every phase of a connection is bounded in time (header read,
// body progress, keep-alive idle, write) by a per-thread sweep, so a slow client can hold neither
// a thread nor unbounded memory.
//
//   keel::http::Server server(runtime, settings, router, admin_router, &observer);
//   if (auto started = server.Start(); !started) { ... }
//   runtime.OnSignal([&](int) { server.Drain([&] { runtime.Stop(); }); });
//
// Thread safety: Start() and Drain() from any one thread; everything else runs on the runtime's
// I/O threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "keel/core/config.hpp"
#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"
#include "keel/core/runtime.hpp"
#include "keel/http/request_observer.hpp"
#include "keel/http/router.hpp"

namespace keel::http {

struct ServerSettings {
  std::string listen = "127.0.0.1:8080";
  std::string admin_listen;  // empty: admin routes are served on the main listener
  std::size_t max_request_line = 8 * 1024;
  std::size_t max_header_bytes = 32 * 1024;
  std::size_t max_header_count = 100;
  std::uint64_t max_body_bytes = 1024 * 1024;
  std::chrono::nanoseconds header_timeout = std::chrono::seconds(10);
  std::chrono::nanoseconds body_timeout = std::chrono::seconds(10);
  std::chrono::nanoseconds keepalive_timeout = std::chrono::seconds(60);
  std::chrono::nanoseconds write_timeout = std::chrono::seconds(10);
  std::chrono::nanoseconds drain_timeout = std::chrono::seconds(10);
  // Default latency budget of a request (RouteOptions::budget overrides per route).
  std::chrono::nanoseconds request_timeout = std::chrono::seconds(1);
  std::size_t max_connections = 100000;
  bool server_timing = false;
  std::uint32_t max_queries_per_request = 20;  // default RouteOptions::max_queries
  int backlog = 4096;
};

// Declares the server.* keys (listen, limits, timeouts...) in a schema.
void AddServerConfig(ConfigSchema& schema);
[[nodiscard]] ServerSettings ServerSettingsFromConfig(const Config& config);

// Parses "HOST:PORT" ("127.0.0.1:8080", "[::1]:8080", "localhost:0").
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
[[nodiscard]] Result<HostPort> ParseHostPort(std::string_view text);

class Server {
 public:
  // `admin_routes` are served on settings.admin_listen, or on the main listener when it is empty.
  // `observer` may be null.
  Server(Runtime& runtime, ServerSettings settings, const Router& routes,
         const Router& admin_routes, RequestObserver* observer, MetricSink* sink);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Fails (kUnavailable) when an address cannot be bound.
  [[nodiscard]] Result<void> Start();
  // The bound port of the main listener (useful with port 0).
  [[nodiscard]] std::uint16_t port() const noexcept;
  [[nodiscard]] std::uint16_t admin_port() const noexcept;

  // Readiness (/readyz): true after Start() until Drain().
  [[nodiscard]] bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }

  // Graceful shutdown: readiness false, stop accepting, close idle keep-alive connections, let
  // in-flight requests finish (their connections close after the response). `done` runs once on
  // an I/O thread when every connection is gone or the drain timeout has passed.
  void Drain(std::function<void()> done);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> ready_{false};
};

}  // namespace keel::http
