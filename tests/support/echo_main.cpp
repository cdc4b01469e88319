// keel-echo: a test server for the end-to-end suite (tests/e2e). Routes exercise bodies, limits,
// router precedence, slow handlers and a smuggling canary; see tests/e2e/conftest.py. Overload
// protection (overload.*, ratelimit.*) wraps its business routes as in any keel service.
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <keel/core/command_line.hpp>
#include <keel/core/with_deadline.hpp>
#include <keel/http/problem.hpp>
#include <keel/observe/service.hpp>
#include <keel/resilience/http/overload_middleware.hpp>
#include <keel/resilience/overload_config.hpp>

namespace {

using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;
using Awaitable = boost::asio::awaitable<Response>;

Awaitable Echo(Request& req, RequestContext&) {
  Response r(200);
  r.SetHeader("Content-Type", req.Header("content-type").value_or("application/octet-stream"));
  r.SetHeader("X-Body-Length", std::to_string(req.body().size()));
  r.set_body(std::string(req.body()));
  co_return r;
}

Awaitable Delay(Request& req, RequestContext& ctx) {
  const auto ms = std::stoll(req.QueryParam("ms").value_or("0"));
  auto slept = co_await keel::SleepFor(std::chrono::milliseconds(ms), ctx.deadline());
  if (!slept) {
    co_return keel::http::ErrorResponse(slept.error(), ctx.request_id());
  }
  co_return Response::Text(200, "done");
}

// Sleeps on a plain timer, ignoring the request's deadline: the server must still cancel it.
Awaitable SleepIgnoringDeadline(Request& req, RequestContext&) {
  const auto ms = std::stoll(req.QueryParam("ms").value_or("0"));
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                  std::chrono::milliseconds(ms));
  co_await timer.async_wait(boost::asio::use_awaitable);  // throws when cancelled
  co_return Response::Text(200, "slept");
}

// Holds an admission slot for ?ms= milliseconds (bounded by the deadline): overload tests fill the
// concurrency limit with these.
Awaitable Hold(Request& req, RequestContext& ctx) {
  const auto ms = std::stoll(req.QueryParam("ms").value_or("0"));
  auto slept = co_await keel::SleepFor(std::chrono::milliseconds(ms), ctx.deadline());
  if (!slept) {
    co_return keel::http::ErrorResponse(slept.error(), ctx.request_id());
  }
  co_return Response::Text(200, std::string(keel::PriorityName(ctx.priority())));
}

Awaitable Text(std::string body) {
  co_return Response::Text(200, std::move(body));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"keel-echo: test server for the keel end-to-end suite"};
  keel::StandardOptions options;
  keel::AddStandardOptions(app, options);
  keel::ParseCommandLineOrExit(app, argc, argv);

  keel::ConfigSchema schema;
  keel::observe::Service::AddConfig(schema);
  keel::resilience::AddOverloadConfig(schema);
  const keel::Config config = keel::LoadConfigOrExit(schema, options);

  keel::observe::Service service("keel-echo", config);
  auto overload = keel::resilience::MakeOverloadMiddleware(config, service.metrics());
  if (!overload) {
    std::fprintf(stderr, "configuration error: %s\n", overload.error().message().c_str());
    return 2;
  }
  for (auto& middleware : overload->InOrder()) {
    service.UseForBusinessRoutes(middleware);
  }
  auto& r = service.routes();
  std::atomic<std::int64_t> canary{0};
  r.Add(keel::http::Method::kPost, "/echo", Echo);
  r.Add(keel::http::Method::kPost, "/echo/small", Echo, {.max_body_bytes = 16});
  // A long budget: the drain tests hold requests for seconds; X-Request-Timeout still tightens it.
  r.Get("/delay", Delay, {.budget = std::chrono::seconds(60)});
  r.Get("/sleep-ignoring-deadline", SleepIgnoringDeadline);
  r.Get("/items/new", [](Request&, RequestContext&) { return Text("static"); });
  r.Get("/items/{id:int}", [](Request& q, RequestContext&) {
    return Text("int:" + std::to_string(q.PathParamInt("id")));
  });
  r.Get("/items/{name}", [](Request& q, RequestContext&) {
    return Text("str:" + std::string(*q.PathParam("name")));
  });
  r.Add(keel::http::Method::kPut, "/items/{id:int}", [](Request& q, RequestContext&) {
    return Text("put:" + std::to_string(q.PathParamInt("id")));
  });
  r.Get("/canary", [&canary](Request&, RequestContext&) {
    canary.fetch_add(1);
    return Text("canary");
  });
  r.Get("/canary/count", [&canary](Request&, RequestContext&) -> Awaitable {
    co_return Response::Json(200, "{\"count\":" + std::to_string(canary.load()) + "}");
  });
  // Admission classes (tests/e2e/test_overload.py); a long budget so holds are not cut short.
  const auto hold_budget = std::chrono::seconds(30);
  r.Get("/hold/critical", Hold, {.budget = hold_budget, .priority = keel::Priority::kCritical});
  r.Get("/hold/default", Hold, {.budget = hold_budget});
  r.Get("/hold/sheddable", Hold, {.budget = hold_budget, .priority = keel::Priority::kSheddable});
  r.Get("/limited", [](Request&, RequestContext&) { return Text("limited"); });
  return service.Run();
}
