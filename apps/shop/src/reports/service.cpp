#include "src/reports/service.hpp"

#include "src/common/time.hpp"

namespace shop::reports {

Task<ReportView> ReportService::Submit(const ReportRequest& request,
                                       keel::data::CallOptions options) {
  const std::string now = NowTimestamp();
  auto report = co_await store_.Create(request, now, options);
  if (!report) {
    co_return std::move(report).error();
  }
  co_return ViewOf(*report, std::nullopt);
}

Task<std::string> ReportService::Result(std::int64_t id, keel::data::CallOptions options) {
  auto view = co_await store_.View(id, options);
  if (!view) {
    co_return std::move(view).error();
  }
  if (view->status != "succeeded") {
    co_return keel::Error(keel::ErrorCode::kConflict, NoResultDetail(*view));
  }
  co_return co_await store_.Result(id, options);
}

std::string NoResultDetail(const ReportView& view) {
  const std::string name = "report " + std::to_string(view.report.id);
  const std::string status_url = ReportLocation(view.report.id);
  if (view.status == "failed") {
    return name + " failed (" + (view.error.empty() ? "no error recorded" : view.error) +
           ") and has no result; submit a new report";
  }
  return name + " is " + view.status + " (" + std::to_string(view.progress) +
         "% done); its result exists once its status is succeeded: poll " + status_url +
         " or follow " + status_url + "/events";
}

}  // namespace shop::reports
