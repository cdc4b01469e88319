// POST /v1/reports (202 + Location + Retry-After; 503 + Retry-After when the job queue is full),
// GET /v1/reports/{id} (status and progress), GET /v1/reports/{id}/result (200 once succeeded;
// 409 before, 404 for no report) and GET /v1/reports/{id}/events (Server-Sent Events of the
// status until it is final; streams up to reports.events_timeout).
#pragma once

#include <keel/http/router.hpp>

#include "src/reports/service.hpp"

namespace shop::reports {

void AddRoutes(keel::http::RouteGroup& v1, ReportService& service);

}  // namespace shop::reports
