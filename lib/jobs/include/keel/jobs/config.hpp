// keel/jobs/config.hpp — the jobs.* configuration keys.
//
//   keel::ConfigSchema schema;
//   keel::jobs::AddJobsConfig(schema);
//   ... load ...
//   auto jobs = keel::jobs::JobsSettingsFromConfig(config);       // startup error when invalid
//   keel::jobs::SqliteJobQueue queue(db, jobs->queue, &metrics);
//   keel::jobs::WorkerSet workers(queue, jobs->workers, &metrics);
//   if (jobs->workers.concurrency > 0) workers.Start(runtime);      // jobs.workers = 0: no workers
//
// Keys: jobs.workers (4), jobs.queues ("default"), jobs.poll_interval (100ms), jobs.lease (30s),
// jobs.timeout (1m), jobs.max_attempts (25), jobs.backoff_base (1s), jobs.backoff_cap (1h),
// jobs.max_depth (100000). docs/jobs.md explains each.
#pragma once

#include <string_view>

#include "keel/core/config.hpp"
#include "keel/jobs/sqlite_queue.hpp"
#include "keel/jobs/worker_set.hpp"

namespace keel::jobs {

struct JobsSettings {
  QueueSettings queue;
  WorkerSetSettings workers;  // concurrency 0: this process runs no workers
};

// Declares the jobs.* keys (each validated on its own). `default_queues` is jobs.queues' default
// (an application may give it a meaning of its own, e.g. keel-shop's "*" = every queue it has a
// handler for).
void AddJobsConfig(ConfigSchema& schema, std::string_view default_queues = "default");
// kInvalidArgument when keys contradict each other (backoff_cap < backoff_base, lease not longer
// than poll_interval).
[[nodiscard]] Result<JobsSettings> JobsSettingsFromConfig(const Config& config);

}  // namespace keel::jobs
