#include "keel/jobs/admin_routes.hpp"

#include <charconv>

#include "keel/http/problem.hpp"

namespace keel::jobs {

namespace asio = boost::asio;
using http::Request;
using http::RequestContext;
using http::Response;

namespace {
constexpr http::RouteOptions kAdmin{.max_body_bytes = 0, .admin = true};

Result<JobFilter> ParseFilter(const Request& request) {
  JobFilter filter;
  if (auto state = request.QueryParam("state")) {
    filter.state = ParseJobState(*state);
    if (!filter.state) {
      return Error(ErrorCode::kInvalidArgument,
                   "state must be one of available, scheduled, running, retryable, completed, "
                   "discarded, cancelled");
    }
  }
  if (auto queue = request.QueryParam("queue")) {
    filter.queue = *queue;
  }
  if (auto limit = request.QueryParam("limit")) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || end != limit->data() + limit->size() || n < 1 || n > 1000) {
      return Error(ErrorCode::kInvalidArgument, "limit must be an integer within 1..1000");
    }
    filter.limit = n;
  }
  return filter;
}

data::CallOptions Options(RequestContext& ctx) {
  return {.deadline = ctx.deadline(), .stages = &ctx.stages()};
}

asio::awaitable<Response> ListJobs(JobQueue& queue, Request& request, RequestContext& ctx) {
  auto filter = ParseFilter(request);
  if (!filter) {
    co_return http::ErrorResponse(filter.error(), ctx.request_id());
  }
  auto jobs = co_await queue.List(std::move(*filter), Options(ctx));
  if (!jobs) {
    co_return http::ErrorResponse(jobs.error(), ctx.request_id());
  }
  std::string body = "{\"jobs\":[";
  for (std::size_t i = 0; i < jobs->size(); ++i) {
    body += (i == 0 ? "" : ",") + JobJson((*jobs)[i]);
  }
  body += "]}";
  co_return Response::Json(200, std::move(body));
}

Response JobResponse(const Result<JobRecord>& job, const RequestContext& ctx) {
  if (!job) {
    return http::ErrorResponse(job.error(), ctx.request_id());
  }
  return Response::Json(200, JobJson(*job));
}
}  // namespace

void AddJobAdminRoutes(http::Router& router, JobQueue& queue) {
  JobQueue* q = &queue;
  router.Add(
      http::Method::kGet, "/admin/jobs",
      [q](Request& r, RequestContext& c) { return ListJobs(*q, r, c); }, kAdmin);
  router.Add(
      http::Method::kGet, "/admin/jobs/{id:int}",
      [q](Request& r, RequestContext& c) -> asio::awaitable<Response> {
        co_return JobResponse(co_await q->Get(r.PathParamInt("id"), Options(c)), c);
      },
      kAdmin);
  router.Add(
      http::Method::kPost, "/admin/jobs/{id:int}/retry",
      [q](Request& r, RequestContext& c) -> asio::awaitable<Response> {
        co_return JobResponse(co_await q->Retry(r.PathParamInt("id"), Options(c)), c);
      },
      kAdmin);
  router.Add(
      http::Method::kPost, "/admin/jobs/{id:int}/discard",
      [q](Request& r, RequestContext& c) -> asio::awaitable<Response> {
        co_return JobResponse(co_await q->Discard(r.PathParamInt("id"), Options(c)), c);
      },
      kAdmin);
}

}  // namespace keel::jobs
