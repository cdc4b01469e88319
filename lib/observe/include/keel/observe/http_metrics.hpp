// keel/observe/http_metrics.hpp — RED metrics (rate, errors, duration) for the HTTP server.
//
// The RequestObserver the app installs on the server: it counts requests per route template,
// method and status code, records their duration and per-stage time, tracks open connections,
// and passes each request on to the access log. Exported metrics:
//
//   keel_http_requests_total{route,method,code}           counter
//   keel_http_request_duration_seconds{route,method}      histogram
//   keel_http_request_stage_seconds{stage}                histogram (stages that ran)
//   keel_http_open_connections                            gauge
//   keel_http_admin_requests_total{route,code}            counter (admin routes, kept out of RED)
//
// (keel_http_in_flight_requests is maintained by the server itself.)
//
//   keel::observe::HttpMetricsObserver observer(registry, &access_log);  // or nullptr: no log
//   server_options.observer = &observer;
//
// Labels are bounded by construction: route templates (never raw paths), method names (unknown
// methods share one name) and status codes.
//
// Thread safety: safe from any thread. A request takes one per-shard lock that only the threads
// sharing that metric shard contend on; the sink (and its global lock) is consulted only the
// first time a shard sees a (route, method, code) combination.
#pragma once

#include <array>
#include <atomic>
#include <memory>

#include "keel/core/metrics.hpp"
#include "keel/http/request_observer.hpp"
#include "keel/observe/log.hpp"

namespace keel::observe {

class HttpMetricsObserver final : public http::RequestObserver {
 public:
  // `sink` must outlive the observer; `access_log` may be null (no access log) and must
  // otherwise outlive it too.
  // `logger` (may be null) receives a warning for each request over its query budget.
  HttpMetricsObserver(MetricSink& sink, AccessLog* access_log, Logger* logger = nullptr);
  ~HttpMetricsObserver() override;
  HttpMetricsObserver(const HttpMetricsObserver&) = delete;
  HttpMetricsObserver& operator=(const HttpMetricsObserver&) = delete;

  void OnRequest(const http::CompletedRequest& request) noexcept override;
  void OnConnectionOpened() noexcept override;
  void OnConnectionClosed() noexcept override;

 private:
  struct Cache;
  Histogram& StageHistogram(Stage stage) noexcept;
  void ReportQueryBudget(const http::CompletedRequest& request, Counter& over_budget) noexcept;

  MetricSink& sink_;
  AccessLog* access_log_;
  Logger* logger_;
  Gauge& open_connections_;
  // Obtained on a stage's first use, so stages an app never uses export no empty series.
  std::array<std::atomic<Histogram*>, kStageCount> stage_seconds_{};
  std::unique_ptr<Cache> cache_;
};

}  // namespace keel::observe
