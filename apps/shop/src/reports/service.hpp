// Reports for the API: submit (row + job in one transaction), status, result. HTTP-agnostic:
// errors are keel::Errors with precise messages (kNotFound, kConflict before a result exists,
// kOverloaded when the job queue is full).
#pragma once

#include "src/reports/config.hpp"
#include "src/reports/store.hpp"

namespace shop::reports {

class ReportService {
 public:
  ReportService(ReportStore& store, ReportSettings settings)
      : store_(store), settings_(std::move(settings)) {}

  Task<ReportView> Submit(const ReportRequest& request, keel::data::CallOptions options);
  Task<ReportView> Status(std::int64_t id, keel::data::CallOptions options) {
    return store_.View(id, options);
  }
  // The result JSON of a succeeded report; kConflict naming the status before that.
  Task<std::string> Result(std::int64_t id, keel::data::CallOptions options);

  [[nodiscard]] ReportStore& store() noexcept { return store_; }
  [[nodiscard]] const ReportSettings& settings() const noexcept { return settings_; }

 private:
  ReportStore& store_;
  ReportSettings settings_;
};

// Why a report has no result yet (or ever), for a 409.
[[nodiscard]] std::string NoResultDetail(const ReportView& view);

}  // namespace shop::reports
