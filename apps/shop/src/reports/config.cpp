#include "src/reports/config.hpp"

namespace shop::reports {

void AddReportsConfig(keel::ConfigSchema& schema) {
  schema.Add({.name = "reports.chunk_orders",
              .type = keel::ConfigType::kInt,
              .default_value = "500",
              .description =
                  "Orders a report job aggregates per chunk (1 .. 100000). Each chunk is "
                  "one read and one short write transaction that also records the "
                  "progress, so a redelivered job resumes after the last chunk.",
              .min = 1,
              .max = 100000});
  schema.Add({.name = "reports.chunk_pause",
              .type = keel::ConfigType::kDuration,
              .default_value = "10ms",
              .description = "Pause between two chunks of a report job (0 .. 10s), leaving the "
                             "database writer to request traffic.",
              .min = 0,
              .max = 10});
  schema.Add({.name = "reports.events_timeout",
              .type = keel::ConfigType::kDuration,
              .default_value = "15m",
              .description = "How long GET /v1/reports/{id}/events may stream (1s .. 24h); the "
                             "client reconnects after it (the stream's retry field says when).",
              .min = 1,
              .max = 86400});
}

ReportSettings ReportSettingsFromConfig(const keel::Config& config) {
  ReportSettings settings;
  settings.chunk_orders = config.GetInt("reports.chunk_orders");
  settings.chunk_pause = config.GetDuration("reports.chunk_pause");
  settings.events_timeout = config.GetDuration("reports.events_timeout");
  return settings;
}

}  // namespace shop::reports
