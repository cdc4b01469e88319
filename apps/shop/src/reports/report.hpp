// Reports: what a client asks for (type and period), the report row, and how its public status
// is derived from the row and its job. Pure functions; the routes and the job use them.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <keel/jobs/job.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/common/field_errors.hpp"

namespace shop::reports {

inline constexpr std::string_view kSalesByCategory = "sales_by_category";
// Test-only (accepted only with shop.debug_routes): its job fails every attempt, which is how the
// end-to-end tests reach the dead-letter state.
inline constexpr std::string_view kAlwaysFail = "always_fail";
// The job kind of every report; the args are {"report_id": N}. Reports have a queue of their own,
// so that jobs.max_depth bounds them apart from other jobs and workers can be dedicated to them.
inline constexpr std::string_view kJobKind = "report";
inline constexpr std::string_view kJobQueue = "reports";

struct ReportRequest {
  std::string type;
  std::string from;  // inclusive, normalized "YYYY-MM-DDTHH:MM:SS.mmmZ"
  std::string to;    // exclusive, same form
};

// Validates a POST /v1/reports body; every problem goes to `errors` (JSON pointers).
[[nodiscard]] ReportRequest ParseReportRequest(const boost::json::value& body, bool test_types,
                                               FieldErrors& errors);

// "2024-05-01" (midnight UTC) or a UTC RFC 3339 timestamp ("2024-05-01T12:00:00Z", fractions up
// to milliseconds) → the shop's fixed-width form; nullopt when it is neither or not a real date.
[[nodiscard]] std::optional<std::string> NormalizeTimestamp(std::string_view text);

struct Report {
  std::int64_t id = 0;
  std::string type;
  std::string from;
  std::string to;
  std::string status;  // the row's: queued, running, succeeded, failed
  int progress = 0;
  std::int64_t job_id = 0;
  int attempt = 0;
  std::string error;
  std::string created_at;
  std::string finished_at;
};

// What GET /v1/reports/{id} shows: the row, corrected by its job's state while the row is not
// final (a dead-lettered job means a failed report; a job waiting for its retry, a queued one).
struct ReportView {
  Report report;
  std::string status;
  int progress = 0;
  std::string error;  // the last error, while retrying or once failed
  int attempt = 0;
  int max_attempts = 0;
  [[nodiscard]] bool terminal() const noexcept {
    return status == "succeeded" || status == "failed";
  }
};

[[nodiscard]] ReportView ViewOf(const Report& report,
                                const std::optional<keel::jobs::JobRecord>& job);

[[nodiscard]] std::string ReportLocation(std::int64_t id);
[[nodiscard]] std::string ViewJson(const ReportView& view);

struct CategorySales {
  std::string category;
  std::int64_t orders = 0;
  std::int64_t units = 0;
  std::int64_t revenue_cents = 0;
};

// The stored result of a sales_by_category report.
[[nodiscard]] std::string SalesResultJson(const Report& report,
                                          const std::vector<CategorySales>& categories,
                                          std::int64_t orders, std::string_view generated_at);

// Progress of a report that has processed orders up to `cursor` of (first, last]: 0..99 (100 is
// written with the result).
[[nodiscard]] int ProgressOf(std::int64_t first, std::int64_t last, std::int64_t cursor) noexcept;

}  // namespace shop::reports
