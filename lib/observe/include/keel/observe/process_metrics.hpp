// keel/observe/process_metrics.hpp — the standard process_* metrics, read from /proc at scrape.
//
// Exports the metrics Prometheus client libraries conventionally provide, so dashboards and alerts
// written for them work unchanged: process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds, process_start_time_seconds and
// process_threads. A value that cannot be read (no /proc, say) is left out of the scrape.
//
//   keel::observe::MetricRegistry registry;
//   keel::observe::AddProcessCollector(registry);
//
// Linux only. Call once per registry (a second call would export every sample twice).
#pragma once

#include "keel/observe/metric_registry.hpp"

namespace keel::observe {

void AddProcessCollector(MetricRegistry& registry);

}  // namespace keel::observe
