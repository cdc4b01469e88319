#include "job_row.hpp"

namespace keel::jobs::detail {

JobRecord ReadJob(const data::Row& row) {
  return JobRecord{.id = row.Int(0),
                   .queue = std::string(row.Text(1)),
                   .kind = std::string(row.Text(2)),
                   .args = std::string(row.Text(3)),
                   // The CHECK constraint admits only known names.
                   .state = ParseJobState(row.Text(4)).value_or(JobState::kDiscarded),
                   .priority = static_cast<int>(row.Int(5)),
                   .attempt = static_cast<int>(row.Int(6)),
                   .max_attempts = static_cast<int>(row.Int(7)),
                   .progress = static_cast<int>(row.Int(8)),
                   .last_error = std::string(row.Text(9)),
                   .dedupe_key = std::string(row.Text(10)),
                   .attempted_by = std::string(row.Text(11)),
                   .created_at = row.Int(12),
                   .scheduled_at = row.Int(13),
                   .attempted_at = row.Int(14),
                   .finalized_at = row.Int(15),
                   .lease_expires_at = row.Int(16),
                   .timeout_ms = row.Int(17)};
}

}  // namespace keel::jobs::detail
