// keel/idempotency/middleware.hpp — Idempotency-Key for unsafe methods (IETF draft + Stripe).
//
// For POST/PUT/PATCH/DELETE (and unknown methods) carrying `Idempotency-Key`:
//   - first request: the key is locked, the handler runs, a final response is stored with the
//     request's fingerprint (method, target, SHA-256 of the body);
//   - retry with the same fingerprint after completion: the stored response, with
//     `Idempotent-Replayed: true`;
//   - same key, different fingerprint: 422; a request with the key still running: 409 +
//     Retry-After; a malformed key: 400; no key where `required`: 400 (all problem+json).
// Final = every status except 5xx and the transient 408/425/429: those release the key so that
// the retry runs again. GET/HEAD/OPTIONS/TRACE pass through untouched.
//
//   keel::idempotency::IdempotencyRecorder recorder(store);
//   auto& orders = router.Group("/v1/orders");
//   orders.Use(std::make_shared<keel::idempotency::IdempotencyMiddleware>(
//       recorder, keel::idempotency::MiddlewareSettings{
//                     .required = true, .scope = keel::idempotency::ScopeByHeader("X-Api-Key")},
//       &metrics));
//
// Metrics: keel_idempotency_requests_total{outcome} (started, taken_over, replayed, mismatch,
// in_flight, missing, invalid, store_error), keel_idempotency_results_total{result} (stored,
// stored_in_tx, released, lease_lost, error).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "keel/core/metrics.hpp"
#include "keel/http/handler.hpp"
#include "keel/idempotency/recorder.hpp"

namespace keel::idempotency {

// The caller a key belongs to. Must be cheap and never fail; the result is stored as is.
using ScopeExtractor =
    std::function<std::string(const http::Request&, const http::RequestContext&)>;

// "ip:<address>" — the client's address (behind a proxy all clients share the proxy's address:
// use a header or the authenticated subject then).
[[nodiscard]] ScopeExtractor ScopeByRemoteAddress();
// "h:<SHA-256 of the header value>" (an API key is a secret: only its digest is stored), or the
// remote address scope when the header is absent.
[[nodiscard]] ScopeExtractor ScopeByHeader(std::string header_name);

// True for statuses stored as final: all but 5xx, 408, 425 and 429.
[[nodiscard]] bool IsFinalStatus(int status) noexcept;

struct MiddlewareSettings {
  bool required = false;                     // a missing key on an unsafe method is a 400
  ScopeExtractor scope;                      // null: ScopeByRemoteAddress()
  std::function<bool(int status)> is_final;  // null: IsFinalStatus
  // Retry-After of the 409 while the first request runs (it usually ends within its budget).
  std::chrono::seconds in_flight_retry_after{1};
  // Budget of the store write after the handler: bookkeeping, not bounded by the request's
  // deadline (a late write beats a record left locked until the lock timeout).
  std::chrono::milliseconds record_timeout{1000};
};

class IdempotencyMiddleware final : public http::Middleware {
 public:
  // `recorder` (and its store) and `sink` must outlive the middleware; `sink` may be null.
  IdempotencyMiddleware(const IdempotencyRecorder& recorder, MiddlewareSettings settings,
                        MetricSink* sink = nullptr);
  ~IdempotencyMiddleware() override;

  boost::asio::awaitable<http::Response> Handle(http::Request& request,
                                                http::RequestContext& context,
                                                http::Next next) override;

 private:
  struct Metrics;
  // The key of an unsafe request (counting missing and invalid ones); kInvalidArgument → 400.
  [[nodiscard]] Result<std::string> ReadKey(const http::Request& request) const;
  // The answer to a request that does not run: replay, 422 or 409.
  [[nodiscard]] http::Response Answer(const BeginResult& begun,
                                      const http::RequestContext& ctx) const;
  boost::asio::awaitable<http::Response> RunLocked(http::Request& request,
                                                   http::RequestContext& context, http::Next next,
                                                   KeyLease lease);
  boost::asio::awaitable<void> Record(const KeyLease& lease, int completed_in_tx,
                                      const http::Response& response);

  const IdempotencyRecorder& recorder_;
  MiddlewareSettings settings_;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace keel::idempotency
