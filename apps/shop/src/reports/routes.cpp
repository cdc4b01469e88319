#include "src/reports/routes.hpp"

#include <keel/http/json_body.hpp>
#include <keel/http/problem.hpp>
#include <keel/http/stream.hpp>

#include "src/common/http_helpers.hpp"

namespace shop::reports {

namespace {

using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;

constexpr std::uint64_t kMaxBody = 4 * 1024;
// What a client polling the status should wait between two polls (seconds).
constexpr std::string_view kPollAfter = "1";

Response ViewResponse(int status, const ReportView& view) {
  Response r = Response::Json(status, ViewJson(view));
  r.SetHeader("Cache-Control", "no-store");
  if (!view.terminal()) {
    r.SetHeader("Retry-After", kPollAfter);
  }
  return r;
}

boost::asio::awaitable<Response> Submit(ReportService& service, Request& request,
                                        RequestContext& ctx) {
  auto json = keel::http::ParseJsonBody(request);
  if (!json) {
    co_return keel::http::ErrorResponse(json.error(), ctx.request_id());
  }
  FieldErrors errors;
  const ReportRequest report = ParseReportRequest(*json, service.settings().test_types, errors);
  if (!errors.empty()) {
    co_return ValidationProblem(errors, ctx.request_id());
  }
  auto view = co_await service.Submit(report, DbCall(ctx));
  if (!view) {
    co_return keel::http::ErrorResponse(view.error(), ctx.request_id());
  }
  Response r = ViewResponse(202, *view);
  r.SetHeader("Location", ReportLocation(view->report.id));
  co_return r;
}

boost::asio::awaitable<Response> Status(ReportService& service, Request& request,
                                        RequestContext& ctx) {
  auto view = co_await service.Status(request.PathParamInt("id"), DbCall(ctx));
  if (!view) {
    co_return keel::http::ErrorResponse(view.error(), ctx.request_id());
  }
  co_return ViewResponse(200, *view);
}

boost::asio::awaitable<Response> Result(ReportService& service, Request& request,
                                        RequestContext& ctx) {
  auto result = co_await service.Result(request.PathParamInt("id"), DbCall(ctx));
  if (!result) {
    co_return keel::http::ErrorResponse(result.error(), ctx.request_id());
  }
  co_return Response::Json(200, std::move(*result));
}

// The stream: the current status at once, then every change (re-read every events_poll: the
// worker may be another process), ending after the final status. Event names are the statuses;
// ids count the events, so a reconnecting client's Last-Event-ID is only informational (it gets
// the current status first anyway).
boost::asio::awaitable<void> StreamStatus(ReportStore* store, std::int64_t id,
                                          std::chrono::nanoseconds poll, std::string first,
                                          std::string first_status, bool first_final,
                                          keel::http::ResponseStream& stream) {
  std::int64_t sequence = 1;
  std::string sent = first;
  {
    const std::string event_id = std::to_string(sequence);
    const keel::http::ServerSentEvent event{.event = first_status,
                                            .data = first,
                                            .id = event_id,
                                            .retry = std::chrono::milliseconds(2000)};
    const bool written = co_await keel::http::SendEvent(stream, event);
    if (!written || first_final) {
      co_return;
    }
  }
  for (;;) {
    const bool waited = co_await stream.Sleep(poll);
    if (!waited) {
      co_return;
    }
    const keel::data::CallOptions options{.deadline = stream.deadline()};
    auto view = co_await store->View(id, options);
    if (!view) {
      // Tell the client why the stream ends; it reconnects (EventSource) or polls the status.
      const std::string detail = view.error().message();
      const keel::http::ServerSentEvent event{.event = "error", .data = detail};
      (void)co_await keel::http::SendEvent(stream, event);
      co_return;
    }
    std::string json = ViewJson(*view);
    if (json == sent) {
      continue;
    }
    sent = std::move(json);
    ++sequence;
    const std::string event_id = std::to_string(sequence);
    const keel::http::ServerSentEvent event{.event = view->status, .data = sent, .id = event_id};
    const bool written = co_await keel::http::SendEvent(stream, event);
    if (!written || view->terminal()) {
      co_return;
    }
  }
}

boost::asio::awaitable<Response> Events(ReportService& service, Request& request,
                                        RequestContext& ctx) {
  const std::int64_t id = request.PathParamInt("id");
  auto view = co_await service.Status(id, DbCall(ctx));
  if (!view) {
    co_return keel::http::ErrorResponse(view.error(), ctx.request_id());
  }
  ReportStore* store = &service.store();
  const auto poll = service.settings().events_poll;
  keel::http::StreamProducer producer =
      [store, id, poll, first = ViewJson(*view), status = view->status,
       final = view->terminal()](keel::http::ResponseStream& stream) {
        return StreamStatus(store, id, poll, first, status, final, stream);
      };
  co_return keel::http::EventStreamResponse(std::move(producer));
}

}  // namespace

void AddRoutes(keel::http::RouteGroup& v1, ReportService& service) {
  // Admission class: sheddable (src/common/overload_policy.hpp).
  v1.Post("/reports", [&service](Request& r, RequestContext& c) { return Submit(service, r, c); },
          {.max_body_bytes = kMaxBody, .priority = keel::Priority::kSheddable});
  v1.Get("/reports/{id:int}",
         [&service](Request& r, RequestContext& c) { return Status(service, r, c); },
         {.max_body_bytes = 0, .max_queries = 2});
  v1.Get("/reports/{id:int}/result",
         [&service](Request& r, RequestContext& c) { return Result(service, r, c); },
         {.max_body_bytes = 0, .max_queries = 3});
  // The handler (a status read) has the default budget; the stream opts out of it.
  v1.Get(
      "/reports/{id:int}/events",
      [&service](Request& r, RequestContext& c) { return Events(service, r, c); },
      {.max_body_bytes = 0, .max_queries = 2, .stream_timeout = service.settings().events_timeout});
}

}  // namespace shop::reports
