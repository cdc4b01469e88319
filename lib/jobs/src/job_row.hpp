// A keel_jobs row (KEEL_JOB_COLUMNS order) as a JobRecord.
#pragma once

#include "keel/data/sql_value.hpp"
#include "keel/jobs/job.hpp"

namespace keel::jobs::detail {

[[nodiscard]] JobRecord ReadJob(const data::Row& row);

}  // namespace keel::jobs::detail
