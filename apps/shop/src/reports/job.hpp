// The report job: the handler of kind "report" (args {"report_id": N}). Runs on a worker, never
// on a request: reads orders in chunks of reports.chunk_orders ids on a database reader, adds
// each chunk's sums and moves the report's cursor in one short transaction (progress included),
// pauses reports.chunk_pause, and writes the result at the end.
//
// Idempotent on redelivery (docs/jobs.md, "Idempotent handlers"): a report that already
// succeeded is acknowledged without work; an attempt resumes at the stored cursor; a chunk is
// added only if the cursor is still where this attempt read it (so an attempt whose lease expired
// cannot add a chunk twice); the result is written once (status 'running' → 'succeeded').
#pragma once

#include <keel/jobs/worker_set.hpp>

#include "src/reports/config.hpp"
#include "src/reports/store.hpp"

namespace shop::reports {

// `store` must outlive the handler.
[[nodiscard]] keel::jobs::JobHandler MakeReportHandler(ReportStore& store, ReportSettings settings);

// {"report_id": N} → N; kInvalidArgument (the job is discarded: it can never succeed) otherwise.
[[nodiscard]] keel::Result<std::int64_t> ParseJobArgs(std::string_view args);

}  // namespace shop::reports
