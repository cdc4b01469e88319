// keel/observe/metric_registry.hpp — the MetricSink that names, labels and exports metrics.
//
// The app creates one MetricRegistry, hands it (as a keel::MetricSink&) to every component, and
// serves RenderPrometheus() on its metrics endpoint. Metrics are grouped into families by name
// (one type and help text per name) and into series by label set. Values that are cheaper to
// compute at scrape time than to maintain (process statistics, pool sizes) come from collectors.
//
//   keel::observe::MetricRegistry registry;
//   keel::Counter& hits = registry.GetCounter("shop_cache_hits_total", "Cache hits",
//                                             {{"cache", "products"}});
//   hits.Add();
//   registry.AddCollector([&pool](keel::observe::MetricWriter& w) {
//     w.WriteGauge("shop_pool_idle_connections", "Idle pooled connections", pool.Idle());
//   });
//   std::string page = registry.RenderPrometheus();  // text format 0.0.4
//
// Naming rules (violations are programming errors and fail KEEL_CHECK): metric names match
// [a-zA-Z_:][a-zA-Z0-9_:]*, counters end in "_total", label names match [a-zA-Z_][a-zA-Z0-9_]*,
// do not start with "__", appear once per set, and histograms do not use "le". Histograms are
// recorded in nanoseconds and exported in seconds, so their names should end in "_seconds".
//
// Thread safety: everything is safe from any thread. Get* and AddCollector take a mutex;
// recording into the returned metrics never does. Collectors run on the scraping thread, without
// the registry's mutex held, so they may call Get*.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "keel/core/metrics.hpp"

namespace keel::observe {

// The Content-Type to serve RenderPrometheus() output with.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Lets a collector emit samples computed at scrape time. Samples with the same name join one
// family (and its first help text); a name already used with another type is dropped.
class MetricWriter {
 public:
  MetricWriter(const MetricWriter&) = delete;
  MetricWriter& operator=(const MetricWriter&) = delete;

  void WriteGauge(std::string_view name, std::string_view help, double value,
                  const MetricLabels& labels = {});
  // `name` must end in "_total"; the value must never decrease across scrapes.
  void WriteCounter(std::string_view name, std::string_view help, double value,
                    const MetricLabels& labels = {});

 private:
  friend class MetricRegistry;
  struct Page;
  explicit MetricWriter(Page& page) : page_(&page) {}
  Page* page_;
};

class MetricRegistry final : public MetricSink {
 public:
  using Collector = std::function<void(MetricWriter&)>;

  MetricRegistry();
  ~MetricRegistry() override;
  MetricRegistry(const MetricRegistry&) = delete;
  MetricRegistry& operator=(const MetricRegistry&) = delete;

  Counter& GetCounter(std::string_view name, std::string_view help,
                      const MetricLabels& labels = {}) override;
  Gauge& GetGauge(std::string_view name, std::string_view help,
                  const MetricLabels& labels = {}) override;
  // Recorded in nanoseconds, exported in seconds (bucket bounds: keel::Histogram).
  Histogram& GetHistogram(std::string_view name, std::string_view help,
                          const MetricLabels& labels = {}) override;

  // Runs on every RenderPrometheus(); must not block for long (it delays the scrape).
  void AddCollector(Collector collector);

  // All families sorted by name, series sorted by labels: Prometheus text format 0.0.4.
  [[nodiscard]] std::string RenderPrometheus() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace keel::observe
