// keel/http/request_observer.hpp — how the server reports finished requests and connections.
//
// keel::http knows nothing of metrics exposition or log formats: the server calls a
// RequestObserver (implemented by keel::observe, injected by the app) once per finished request
// and on connection open/close. Calls come from the I/O thread that served the request and must
// not block: record into per-thread metrics, hand log lines to an asynchronous writer.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "keel/core/stage_account.hpp"
#include "keel/http/method.hpp"

namespace keel::http {

struct CompletedRequest {
  std::string_view request_id;
  std::string_view route;        // the matched route template ("/v1/products/{id}"), or a
                                 // fixed name for unmatched requests ("<unmatched>")
  std::string_view method_text;  // as sent
  Method method = Method::kGet;
  std::string_view target;  // raw request-target (for logs only, never a metric label)
  std::string_view remote_addr;
  int status = 0;
  std::uint64_t bytes_in = 0;            // request body bytes
  std::uint64_t bytes_out = 0;           // response body bytes
  std::chrono::nanoseconds duration{0};  // first byte read to last byte handed to the socket
  const StageAccount* stages = nullptr;
  bool admin = false;  // served by an admin route (health, metrics): excluded from business RED
  // Database calls this request's route allows (RouteOptions::max_queries or the server default);
  // more (stages->Count(Stage::kDb) > query_limit) is reported as a likely N+1 pattern.
  std::uint32_t query_limit = 0;
};

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void OnRequest(const CompletedRequest& request) noexcept = 0;
  virtual void OnConnectionOpened() noexcept = 0;
  virtual void OnConnectionClosed() noexcept = 0;
};

}  // namespace keel::http
