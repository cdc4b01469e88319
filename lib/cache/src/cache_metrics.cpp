#include "keel/cache/cache_metrics.hpp"

#include <string>

namespace keel::cache {

CacheMetrics::CacheMetrics(MetricSink* sink, std::string_view cache_name) {
  if (sink == nullptr) {
    own_sink_ = std::make_unique<DiscardingMetricSink>();
    sink = own_sink_.get();
  }
  const MetricLabels labels{{"cache", std::string(cache_name)}};
  auto counter = [&](std::string_view name, std::string_view help) {
    return &sink->GetCounter(name, help, labels);
  };
  hits = counter("keel_cache_hits_total", "Fresh cached values served");
  misses = counter("keel_cache_misses_total", "Lookups that found nothing usable");
  negative_hits = counter("keel_cache_negative_hits_total", "Cached not-found results served");
  stale_served = counter("keel_cache_stale_served_total",
                         "Stale values served (stale-while-revalidate or stale-if-error)");
  loads = counter("keel_cache_loads_total", "Loader runs");
  load_errors = counter("keel_cache_load_errors_total", "Loader runs that failed");
  coalesced = counter("keel_cache_coalesced_total", "Callers that joined a running load");
  evictions = counter("keel_cache_evictions_total", "Entries evicted for room");
  expired = counter("keel_cache_expired_total", "Entries dropped after their last window");
  entries = &sink->GetGauge("keel_cache_entries", "Entries held", labels);
  weight = &sink->GetGauge("keel_cache_weight", "Weight held (weigher units)", labels);
}

CacheMetrics::~CacheMetrics() = default;

}  // namespace keel::cache
