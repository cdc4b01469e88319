// The configuration of the shop's background work (declared by shop::AddShopConfig):
//   jobs.*               keel::jobs::AddJobsConfig (docs/jobs.md); jobs.queues defaults to "*":
//                        every queue the process has a handler for
//   idempotency.*        keel::idempotency::AddIdempotencyConfig (docs/idempotency.md)
//   shop.serve_workers   whether `keel-shop serve` runs job workers (default true); false on
//                        API-only instances that leave jobs to `keel-shop worker` processes
//   shop.test_job_delay  test-only: how long the order.created consumer waits before its write
//                        (default 0; lets the crash test kill a worker in the middle of a job)
#pragma once

#include <chrono>
#include <keel/core/config.hpp>
#include <keel/core/error.hpp>
#include <keel/idempotency/config.hpp>
#include <keel/jobs/config.hpp>
#include <string_view>

namespace shop {

// jobs.queues' value meaning "every queue with a registered handler".
inline constexpr std::string_view kAllQueues = "*";

struct BackgroundSettings {
  keel::jobs::JobsSettings jobs;
  keel::idempotency::IdempotencySettings idempotency;
  bool serve_workers = true;
  std::chrono::nanoseconds test_job_delay{0};
};

void AddBackgroundConfig(keel::ConfigSchema& schema);
// kInvalidArgument naming the key when keys contradict each other.
[[nodiscard]] keel::Result<BackgroundSettings> BackgroundSettingsFromConfig(
    const keel::Config& config);

}  // namespace shop
