#include "src/app/background_config.hpp"

namespace shop {

void AddBackgroundConfig(keel::ConfigSchema& schema) {
  keel::jobs::AddJobsConfig(schema, kAllQueues);
  keel::idempotency::AddIdempotencyConfig(schema);
  schema.Add({.name = "shop.serve_workers",
              .type = keel::ConfigType::kBool,
              .default_value = "true",
              .description = "Whether `keel-shop serve` runs job workers (jobs.workers of them). "
                             "false on API-only instances: `keel-shop worker` processes run the "
                             "jobs. The outbox relay and the idempotency purge run either way."});
  schema.Add({.name = "shop.test_job_delay",
              .type = keel::ConfigType::kDuration,
              .default_value = "0s",
              .description = "Test-only: the order.created consumer waits this long before "
                             "writing its notification (the crash test kills a worker mid-job "
                             "with it). Keep 0 in production.",
              .min = 0.0,
              .max = 60.0});
}

keel::Result<BackgroundSettings> BackgroundSettingsFromConfig(const keel::Config& config) {
  auto jobs = keel::jobs::JobsSettingsFromConfig(config);
  if (!jobs) {
    return std::move(jobs).error();
  }
  auto idempotency = keel::idempotency::IdempotencySettingsFromConfig(config);
  if (!idempotency) {
    return std::move(idempotency).error();
  }
  for (const std::string& q : jobs->workers.queues) {
    if (q == kAllQueues && jobs->workers.queues.size() > 1) {
      return keel::Error(keel::ErrorCode::kInvalidArgument,
                         "jobs.queues: \"*\" (every queue with a handler) cannot be combined "
                         "with queue names");
    }
  }
  return BackgroundSettings{.jobs = std::move(*jobs),
                            .idempotency = std::move(*idempotency),
                            .serve_workers = config.GetBool("shop.serve_workers"),
                            .test_job_delay = config.GetDuration("shop.test_job_delay")};
}

}  // namespace shop
