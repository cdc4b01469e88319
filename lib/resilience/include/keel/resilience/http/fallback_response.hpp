// keel/resilience/http/fallback_response.hpp — mark an HTTP response as degraded.
//
// The HTTP face of fallback.hpp: a response built from a fallback (stale, default or partial
// data) carries `X-Degraded: <reason>` so clients, caches and tests can tell, and the fallback is
// counted in keel_fallbacks_total{dependency,reason}. Several degradations in one response are
// listed comma-separated ("timeout, stale_unavailable").
//
//   auto recs = keel::resilience::OrDefault(co_await recs_client.Get(id), Recs{});
//   auto response = keel::http::Response::Json(200, Render(recs.value));
//   if (recs.degraded()) keel::resilience::MarkDegraded(response, recs_fallbacks, recs.reason);
//
// Thread safety: as the response (the handler's); the counter may be shared.
#pragma once

#include <string_view>

#include "keel/http/response.hpp"
#include "keel/resilience/fallback.hpp"

namespace keel::resilience {

// Adds `reason` to the response's X-Degraded field and counts it for the counter's dependency.
void MarkDegraded(http::Response& response, FallbackCounter& counter, std::string_view reason);

// The same for a Degraded<T>: does nothing when it is fresh.
template <typename T>
void MarkDegraded(http::Response& response, FallbackCounter& counter, const Degraded<T>& value) {
  if (value.degraded()) {
    MarkDegraded(response, counter, value.reason);
  }
}

}  // namespace keel::resilience
