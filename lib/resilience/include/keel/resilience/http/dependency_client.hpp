// keel/resilience/http/dependency_client.hpp — call a dependency without inheriting its failures.
//
// The composition every outbound HTTP call of a service should go through, one per dependency:
//
//   bulkhead (its own concurrency limit; refusal: kOverloaded)
//     → circuit breaker (OPEN: fail fast with kUnavailable + Retry-After)
//       → hedging (idempotent GET/HEAD, when enabled) or retry (idempotent calls, budgeted)
//         → keel::http::Client (pooled keep-alive connections, endpoint i % n per attempt)
//
// all bounded by one deadline: the caller's, tightened by deps.<name>.timeout; every attempt by
// deps.<name>.attempt_timeout; the remaining budget is sent downstream as X-Request-Timeout. The
// breaker sees the outcome of the whole call (after retries/hedges). A response is an error when
// the dependency failed: 5xx and 429 become kUnavailable (504: kDeadlineExceeded) carrying its
// Retry-After; any other status (2xx-4xx) is the dependency's answer and is returned as is.
//
//   keel::resilience::DependencyClient payment(*settings, service.runtime(), service.metrics(),
//                                              clock, random, [&](auto& t) { log(t); });
//   keel::http::ClientRequest req{.method = keel::http::Method::kPost, .target = "/payments",
//                                 .body = body};
//   req.headers.emplace_back("Idempotency-Key", key);   // makes the POST retryable
//   auto r = co_await payment.Call(req, ctx);           // ctx's deadline; time in Server-Timing
//   if (!r) co_return keel::http::ErrorResponse(r.error(), ctx.request_id());
//
// Errors: kDeadlineExceeded, kOverloaded (bulkhead, connection pool), kUnavailable (breaker open,
// connection refused/reset, 5xx), kCancelled (the caller's coroutine was cancelled), and the
// client's kInvalidArgument for a malformed request. Messages name the dependency.
//
// Thread safety: Call() from coroutines on any of the runtime's I/O threads. The breaker, bulkhead
// and budgets are shared by all threads; connections are per thread. The client must outlive its
// calls and be destroyed before the runtime's io_contexts.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "keel/core/clock.hpp"
#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"
#include "keel/core/runtime.hpp"
#include "keel/core/stage_account.hpp"
#include "keel/http/client.hpp"
#include "keel/http/context.hpp"
#include "keel/resilience/bulkhead.hpp"
#include "keel/resilience/circuit_breaker.hpp"
#include "keel/resilience/http/dependency_config.hpp"
#include "keel/resilience/retry.hpp"

namespace keel::resilience {

struct CallOptions {
  Deadline deadline = Deadline::Never();
  // nullopt: by method (RFC 9110 §9.2.2) or an Idempotency-Key header (http::IsIdempotent).
  std::optional<bool> idempotent;
  // nullopt: hedge idempotent GET/HEAD when deps.<name>.hedge.enabled; false turns it off.
  std::optional<bool> hedge;
  StageAccount* stages = nullptr;  // the call's time is added to Stage::kUpstream
};

// A dependency's response as an outcome: 5xx/429 → Error (see above), anything else unchanged.
[[nodiscard]] Result<http::ClientResponse> DependencyOutcome(Result<http::ClientResponse> response,
                                                             std::string_view dependency);

class DependencyClient {
 public:
  // `clock` and `random` must outlive the client. Throws std::invalid_argument at startup on a
  // malformed URL (settings from DependencySettingsFromConfig are already validated).
  DependencyClient(DependencySettings settings, std::vector<boost::asio::io_context*> contexts,
                   MetricSink& sink, const Clock& clock, Random& random,
                   BreakerTransitionCallback on_transition = {});
  DependencyClient(DependencySettings settings, Runtime& runtime, MetricSink& sink,
                   const Clock& clock, Random& random,
                   BreakerTransitionCallback on_transition = {});
  ~DependencyClient();
  DependencyClient(const DependencyClient&) = delete;
  DependencyClient& operator=(const DependencyClient&) = delete;

  // `request` must stay valid until the call completes.
  [[nodiscard]] boost::asio::awaitable<Result<http::ClientResponse>> Call(
      const http::ClientRequest& request, CallOptions options);
  // The same with the request context's deadline and stage account.
  [[nodiscard]] boost::asio::awaitable<Result<http::ClientResponse>> Call(
      const http::ClientRequest& request, http::RequestContext& context, CallOptions options = {});

  [[nodiscard]] const DependencySettings& settings() const noexcept;
  [[nodiscard]] CircuitBreaker* breaker() noexcept;  // null when breaker.enabled = false
  [[nodiscard]] Bulkhead& bulkhead() noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::resilience
