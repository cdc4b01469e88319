// keel/http/client.hpp — an async HTTP/1.1 client for one origin, on the server's own runtime.
//
// A Client talks to one origin ("http://payments.internal:8081") through a keep-alive connection
// pool per I/O thread: like the server, shared nothing — a connection lives on the io_context that
// opened it and the request path takes no lock (nginx's upstream `keepalive` is per worker for the
// same reason). Every wait is bounded by the caller's Deadline (tightened by the client's own
// timeout), and the remaining budget is sent downstream as `X-Request-Timeout: <ms>` so the
// dependency stops working on an answer nobody waits for. Bodies are always read to the end
// (Content-Length or chunked), so a connection goes back to the pool; a response that cannot be
// read completely closes its connection instead.
//
//   keel::http::Client payments({.name = "payment", .url = "http://127.0.0.1:8081"},
//                               service.runtime(), service.metrics());
//   keel::http::ClientRequest req{.method = keel::http::Method::kPost, .target = "/payments",
//                                 .body = R"({"amount":100})"};
//   req.headers.emplace_back("Content-Type", "application/json");
//   auto r = co_await payments.Send(req, ctx.deadline());
//   if (!r) { ... r.error().code() is kUnavailable / kDeadlineExceeded / kOverloaded ... }
//
// Errors (as values): kUnavailable (connect refused, reset, a malformed or truncated response),
// kDeadlineExceeded (connect or response timeout, the deadline), kOverloaded (every connection of
// this thread's pool busy for longer than pool_wait_timeout), kCancelled (the awaiting coroutine
// was cancelled — the server does so when a handler's deadline passes), kInternal (called from an
// io_context the client has no pool for). An HTTP error status is not an Error: the caller decides
// what a 503 means (keel::resilience::DependencyClient maps 5xx to errors).
//
// Thread safety: Send() may be called from coroutines on any of the io_contexts given to the
// constructor; each uses its own pool. The Client must outlive every Send() and must be destroyed
// before the io_contexts (declare it after the Service/Runtime that owns them).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"
#include "keel/core/runtime.hpp"
#include "keel/http/method.hpp"

namespace keel::http {

struct ClientSettings {
  std::string name = "upstream";  // the `dependency` metric label
  std::string url;                // origin: "http://host[:port]" (no path; https is not supported)
  // Per I/O thread: connections open at once (connecting, busy or idle) and kept idle.
  std::size_t max_connections = 64;
  std::size_t max_idle = 16;
  // An idle connection older than this is closed rather than reused; keep it below the upstream's
  // keep-alive timeout so the upstream rarely closes a connection we are about to use.
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(30);
  // A connection is not reused after this age (0: unlimited), so DNS and load-balancer changes
  // are picked up.
  std::chrono::nanoseconds max_lifetime = std::chrono::minutes(5);
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(1);
  // Upper bound of one Send() (connect, write, response); the caller's deadline may be earlier.
  std::chrono::nanoseconds timeout = std::chrono::seconds(5);
  // Longest wait for a connection when all max_connections are busy; past it: kOverloaded.
  std::chrono::nanoseconds pool_wait_timeout = std::chrono::milliseconds(100);
  std::chrono::nanoseconds dns_ttl = std::chrono::seconds(30);
  std::size_t max_response_head_bytes = 64 * 1024;
  std::size_t max_response_headers = 100;
  std::uint64_t max_response_body_bytes = 8 * 1024 * 1024;
  bool send_request_timeout = true;  // X-Request-Timeout: <remaining ms>
};

struct ClientRequest {
  Method method = Method::kGet;
  std::string target = "/";  // origin-form: path and query
  // Sent as given. The client adds Host, Content-Length (when there is a body or the method
  // expects one), X-Request-Timeout; it never sends Transfer-Encoding.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first field with this name (case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string_view> Header(std::string_view name) const noexcept;
};

// "http://host:port" parsed. Host is a name, an IPv4 address or a bracketed IPv6 address.
struct Origin {
  std::string host;
  std::uint16_t port = 80;
  [[nodiscard]] std::string HostHeader() const;  // "host:port"
};
// kInvalidArgument (naming the URL) when it is not "http://host[:port]" with an optional "/".
[[nodiscard]] Result<Origin> ParseOrigin(std::string_view url);

// Whether a retry (or a replay on a fresh connection) cannot change the outcome: the method is
// idempotent by RFC 9110 §9.2.2, or the request carries an Idempotency-Key.
[[nodiscard]] bool IsIdempotent(const ClientRequest& request) noexcept;

class Client {
 public:
  // One pool per io_context in `contexts`. Fails at startup (exception) only on a malformed URL;
  // validate settings with ParseOrigin first when they come from configuration.
  Client(ClientSettings settings, std::vector<boost::asio::io_context*> contexts, MetricSink& sink);
  Client(ClientSettings settings, Runtime& runtime, MetricSink& sink);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` and reads the whole response. The deadline is tightened by settings.timeout;
  // connect waits at most connect_timeout of it. `request` must stay valid until this completes.
  // A reused keep-alive connection that turns out closed by the upstream before answering is
  // replaced by a fresh one once, for idempotent requests only. Cancelling the awaiting coroutine
  // ends every wait at once with kCancelled and closes the connection in use.
  [[nodiscard]] boost::asio::awaitable<Result<ClientResponse>> Send(const ClientRequest& request,
                                                                    Deadline deadline);

  [[nodiscard]] const ClientSettings& settings() const noexcept;
  [[nodiscard]] const Origin& origin() const noexcept;

  // Pool state of the calling thread's pool (for tests and diagnostics; call on that thread).
  struct PoolStats {
    std::size_t open = 0;  // connecting + in use + idle
    std::size_t idle = 0;
    std::size_t waiters = 0;
  };
  [[nodiscard]] PoolStats StatsForThisThread(boost::asio::io_context& io) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::http
