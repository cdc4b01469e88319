#include "src/debug/routes.hpp"

#include <chrono>
#include <keel/http/problem.hpp>

#include "src/common/http_helpers.hpp"
#include "src/common/json_writer.hpp"
#include "src/common/query_params.hpp"

namespace shop::debug {

namespace {

using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;

// SQLite has no sleep and its 'now' is frozen within a statement, so the statement cannot time
// itself: it counts (practically) forever and the query timeout interrupts it after N ms.
constexpr keel::data::Query kSlow{
    "debug_slow_query",
    "WITH RECURSIVE spin(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM spin WHERE n < ?) "
    "SELECT count(*) FROM spin"};

// JSON is built outside the coroutine: GCC 12 mis-compiles array members in coroutine frames.
std::string SlowQueryJson(std::int64_t requested_ms, std::chrono::nanoseconds elapsed) {
  std::string body;
  JsonWriter w(body);
  w.BeginObject();
  w.Key("requested_ms");
  w.Int(requested_ms);
  w.Key("elapsed_ms");
  w.Int(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
  w.EndObject();
  return body;
}

boost::asio::awaitable<Response> SlowQuery(keel::data::Database& db, Request& request,
                                           RequestContext& ctx) {
  FieldErrors errors;
  const auto params = QueryParams::Parse(request.query(), errors);
  const std::int64_t ms =
      ReadInt(params, "ms", {.fallback = 100, .min = 1, .max = kMaxSlowQueryMs}, errors);
  if (!errors.empty()) {
    co_return ValidationProblem(errors, ctx.request_id());
  }
  keel::data::CallOptions options = DbCall(ctx);
  options.query_timeout = std::chrono::milliseconds(ms);
  const auto started = std::chrono::steady_clock::now();
  auto rows = co_await db.Query(kSlow, keel::data::Params(INT64_MAX), options);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  // The interruption at our own query timeout is the expected outcome; anything else (no reader
  // free in time: 503, the request's deadline: 504) is reported as usual.
  const bool timed_out = !rows && rows.error().code() == keel::ErrorCode::kDeadlineExceeded &&
                         !ctx.deadline().Expired();
  if (!rows && !timed_out) {
    co_return keel::http::ErrorResponse(rows.error(), ctx.request_id());
  }
  Response response = Response::Json(200, SlowQueryJson(ms, elapsed));
  response.SetHeader("Cache-Control", "no-store");
  co_return response;
}

}  // namespace

void AddRoutes(keel::http::Router& router, keel::data::Database& db) {
  router.Get("/debug/slow-query",
             [&db](Request& r, RequestContext& c) { return SlowQuery(db, r, c); },
             // Its own budget: the point is to hold a reader longer than server.request_timeout.
             {.max_body_bytes = 0,
              .max_queries = 1,
              .budget = std::chrono::milliseconds(kMaxSlowQueryMs) + std::chrono::seconds(1)});
}

}  // namespace shop::debug
