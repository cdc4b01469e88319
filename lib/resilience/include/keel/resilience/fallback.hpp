// keel/resilience/fallback.hpp — answer without a dependency, and say so.
//
// When a dependency fails (its breaker is open, it timed out, it is overloaded) a handler often
// has a better answer than an error: the last value it saw (stale), a default (an empty list of
// recommendations), or the part of a response it could build. Such an answer is *degraded*: the
// Degraded<T> flag travels with the value so that the HTTP layer marks the response
// (keel/resilience/http/fallback_response.hpp adds `X-Degraded: <reason>` and counts
// keel_fallbacks_total{dependency,reason}), caches do not store it as fresh, and tests can see it.
//
//   keel::Result<Recs> r = co_await FetchRecommendations(id);
//   keel::resilience::Degraded<Recs> recs = keel::resilience::OrDefault(std::move(r), Recs{});
//   auto response = Render(recs.value);
//   if (recs.degraded()) keel::resilience::MarkDegraded(response, fallbacks, recs.reason);
//
// Reasons are short lower_snake labels (they become metric label values): FallbackReason maps an
// error to "unavailable", "timeout", "overloaded", "cancelled" or "error".
//
// Thread safety: plain values and functions; FallbackCounter may be used from any thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"

namespace keel::resilience {

// A value that may be a fallback. `reason` is empty for a fresh value.
template <typename T>
struct Degraded {
  T value;
  std::string reason;
  [[nodiscard]] bool degraded() const noexcept { return !reason.empty(); }
};

// The metric-safe reason for an error: "unavailable" (down, breaker open, 5xx), "timeout",
// "overloaded" (a bulkhead or pool refused), "cancelled", or "error".
[[nodiscard]] std::string_view FallbackReason(const Error& error) noexcept;

// The value, or `fallback` marked degraded with the error's reason.
template <typename T>
[[nodiscard]] Degraded<T> OrDefault(Result<T> result, T fallback) {
  if (result.ok()) {
    return {std::move(result).value(), {}};
  }
  return {std::move(fallback), std::string(FallbackReason(result.error()))};
}

// The value, or a stale copy marked degraded ("stale" + the cause, e.g. "stale_timeout"); the
// original error when there is no stale copy either.
template <typename T>
[[nodiscard]] Result<Degraded<T>> OrStale(Result<T> result, std::optional<T> stale) {
  if (result.ok()) {
    return Degraded<T>{std::move(result).value(), {}};
  }
  if (!stale) {
    return std::move(result).error();
  }
  return Degraded<T>{std::move(*stale), "stale_" + std::string(FallbackReason(result.error()))};
}

// The value, or what `make(error)` builds (a partial response), marked degraded.
template <typename T, typename MakeFallback>
[[nodiscard]] Degraded<T> OrElse(Result<T> result, MakeFallback make) {
  if (result.ok()) {
    return {std::move(result).value(), {}};
  }
  const Error& error = result.error();
  return {make(error), std::string(FallbackReason(error))};
}

// keel_fallbacks_total{dependency,reason}: one counter per reason, created on first use.
class FallbackCounter {
 public:
  FallbackCounter(std::string dependency, MetricSink& sink)
      : dependency_(std::move(dependency)), sink_(sink) {}
  void Count(std::string_view reason);
  [[nodiscard]] const std::string& dependency() const noexcept { return dependency_; }

 private:
  std::string dependency_;
  MetricSink& sink_;
  std::mutex mu_;
  std::map<std::string, Counter*, std::less<>> counters_;
};

}  // namespace keel::resilience
