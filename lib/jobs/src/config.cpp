#include "keel/jobs/config.hpp"

#include <optional>
#include <string>

namespace keel::jobs {

namespace {
// "reports,default" → {"reports", "default"}; empty names are refused by the key's validator.
std::vector<std::string> SplitQueues(std::string_view list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    out.emplace_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::optional<std::string> ValidQueues(const ConfigValue& value) {
  for (const std::string& q : SplitQueues(std::get<std::string>(value))) {
    if (q.empty()) {
      return "a comma-separated list of non-empty queue names";
    }
  }
  return std::nullopt;
}

void AddDuration(ConfigSchema& schema, std::string name, std::string def, std::string description,
                 double min_seconds, double max_seconds) {
  schema.Add({.name = std::move(name),
              .type = ConfigType::kDuration,
              .default_value = std::move(def),
              .description = std::move(description),
              .min = min_seconds,
              .max = max_seconds});
}

void AddInt(ConfigSchema& schema, std::string name, std::string def, std::string description,
            double min, double max) {
  schema.Add({.name = std::move(name),
              .type = ConfigType::kInt,
              .default_value = std::move(def),
              .description = std::move(description),
              .min = min,
              .max = max});
}
}  // namespace

void AddJobsConfig(ConfigSchema& schema, std::string_view default_queues) {
  AddInt(schema, "jobs.workers", "4",
         "Jobs this process runs at once (0: no workers here, e.g. an API-only instance)", 0, 1024);
  schema.Add({.name = "jobs.queues",
              .type = ConfigType::kString,
              .default_value = std::string(default_queues),
              .description = "Comma-separated queues this process's workers serve",
              .validate = ValidQueues});
  AddDuration(schema, "jobs.poll_interval", "100ms",
              "How often idle workers look for due jobs (local enqueues wake them at once)", 0.01,
              10);
  AddDuration(schema, "jobs.lease", "30s",
              "Visibility timeout: a job whose worker stops renewing its lease (renewed every "
              "lease/3) runs again after this",
              1, 3600);
  AddDuration(schema, "jobs.timeout", "1m",
              "Default per-job handler deadline (JobSpec::timeout overrides)", 0.001, 86400);
  AddInt(schema, "jobs.max_attempts", "25",
         "Default attempts before a job is discarded (dead letter)", 1, 1000);
  AddDuration(schema, "jobs.backoff_base", "1s",
              "Retry backoff: full jitter in [0, min(cap, base * 2^(attempt-1))]", 0.001, 3600);
  AddDuration(schema, "jobs.backoff_cap", "1h", "Upper bound of one retry backoff", 0.001,
              7 * 86400);
  AddInt(schema, "jobs.max_depth", "100000",
         "Pending jobs per queue past which enqueue refuses with 503 + Retry-After", 1, 1e9);
}

Result<JobsSettings> JobsSettingsFromConfig(const Config& config) {
  JobsSettings s;
  s.queue.max_attempts = static_cast<int>(config.GetInt("jobs.max_attempts"));
  s.queue.timeout = config.GetDuration("jobs.timeout");
  s.queue.backoff = {.base = config.GetDuration("jobs.backoff_base"),
                     .cap = config.GetDuration("jobs.backoff_cap")};
  s.queue.max_depth = config.GetInt("jobs.max_depth");
  s.workers.concurrency = static_cast<std::size_t>(config.GetInt("jobs.workers"));
  s.workers.queues = SplitQueues(config.GetString("jobs.queues"));
  s.workers.poll_interval = config.GetDuration("jobs.poll_interval");
  s.workers.lease = config.GetDuration("jobs.lease");
  if (s.workers.lease <= s.workers.poll_interval) {
    return Error(ErrorCode::kInvalidArgument, "jobs.lease must be longer than jobs.poll_interval");
  }
  if (auto valid = ValidateQueueSettings(s.queue); !valid) {
    return std::move(valid).error();
  }
  return s;
}

}  // namespace keel::jobs
