// The reports.* configuration keys (declared by shop::AddShopConfig):
//   reports.chunk_orders    orders aggregated per chunk (one short transaction each; 500)
//   reports.chunk_pause     pause between chunks, so that a report leaves the database writer to
//                           request traffic (10ms)
//   reports.events_timeout  how long GET /v1/reports/{id}/events may stream (15m)
#pragma once

#include <chrono>
#include <cstdint>
#include <keel/core/config.hpp>

namespace shop::reports {

struct ReportSettings {
  std::int64_t chunk_orders = 500;
  std::chrono::nanoseconds chunk_pause = std::chrono::milliseconds(10);
  std::chrono::nanoseconds events_timeout = std::chrono::minutes(15);
  // How often an event stream re-reads the report (workers may run in another process, so the
  // database is the only place progress is visible).
  std::chrono::nanoseconds events_poll = std::chrono::milliseconds(250);
  // shop.debug_routes: accepts the test-only report type "always_fail".
  bool test_types = false;
};

void AddReportsConfig(keel::ConfigSchema& schema);
// Everything but test_types (which follows shop.debug_routes).
[[nodiscard]] ReportSettings ReportSettingsFromConfig(const keel::Config& config);

}  // namespace shop::reports
