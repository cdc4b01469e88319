// keel/cache/cache_metrics.hpp — the keel_cache_* metrics of one cache.
//
// All carry the label cache=<CacheSettings::name>. Obtained once from the MetricSink at
// construction; recording is a relaxed per-thread-shard add.
//
//   keel_cache_hits_total            fresh values served
//   keel_cache_misses_total          lookups that found nothing usable (a load follows)
//   keel_cache_negative_hits_total   cached "not found" served
//   keel_cache_stale_served_total    stale values served (stale-while-revalidate, stale-if-error)
//   keel_cache_loads_total           loader runs (misses, early and background refreshes)
//   keel_cache_load_errors_total     loader runs that failed (kNotFound is not an error)
//   keel_cache_coalesced_total       callers that joined a load already running
//   keel_cache_evictions_total       entries dropped by the policy for room
//   keel_cache_expired_total         entries dropped because their last window passed
//   keel_cache_entries / keel_cache_weight   gauges
//
// Thread safety: recording from any thread.
#pragma once

#include <memory>
#include <string_view>

#include "keel/core/metrics.hpp"

namespace keel::cache {

struct CacheMetrics {
  // `sink` may be null: the metrics are then private (still readable, e.g. by tests).
  CacheMetrics(MetricSink* sink, std::string_view cache_name);
  ~CacheMetrics();
  CacheMetrics(const CacheMetrics&) = delete;
  CacheMetrics& operator=(const CacheMetrics&) = delete;

  Counter* hits;
  Counter* misses;
  Counter* negative_hits;
  Counter* stale_served;
  Counter* loads;
  Counter* load_errors;
  Counter* coalesced;
  Counter* evictions;
  Counter* expired;
  Gauge* entries;
  Gauge* weight;

 private:
  std::unique_ptr<DiscardingMetricSink> own_sink_;
};

}  // namespace keel::cache
