// keel-echo: a test server for the end-to-end suite (tests/e2e). Routes exercise bodies, limits,
// router precedence, slow handlers, a smuggling canary and Server-Sent Events (/sse*); see
// tests/e2e/conftest.py and tests/e2e/test_sse.py. Overload protection (overload.*,
// ratelimit.*) wraps its business routes as in any keel service.
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <keel/core/command_line.hpp>
#include <keel/core/with_deadline.hpp>
#include <keel/http/problem.hpp>
#include <keel/http/stream.hpp>
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

// Server-Sent Events (tests/e2e/test_sse.py): ?count= tick events (0 = until the client leaves),
// ?interval_ms= apart, heartbeats every ?heartbeat_ms=; resumes after a Last-Event-ID. With
// ?plain_timer=1 the producer waits on a timer of its own instead of stream.Sleep (as it would on
// any other I/O): the stream's cancellation must reach that wait too. How the producers ended is
// counted, so a test can see that a client's disconnect reached the producer.
struct SseStats {
  std::atomic<std::int64_t> active{0};
  std::atomic<std::int64_t> completed{0};  // sent every event
  std::atomic<std::int64_t> ended{0};      // the stream ended first (client gone, deadline, drain)
};

std::int64_t QueryInt(const Request& req, std::string_view name, std::int64_t fallback) {
  const auto value = req.QueryParam(name);
  return value ? std::stoll(*value) : fallback;
}

Awaitable Sse(SseStats& stats, Request& req, RequestContext&) {
  const std::int64_t count = QueryInt(req, "count", 0);
  const std::chrono::milliseconds interval(QueryInt(req, "interval_ms", 100));
  const std::chrono::milliseconds heartbeat(QueryInt(req, "heartbeat_ms", 15000));
  const auto last_id = req.Header("last-event-id");
  const std::int64_t first = last_id ? std::stoll(std::string(*last_id)) + 1 : 1;
  const bool plain_timer = QueryInt(req, "plain_timer", 0) != 0;
  keel::http::StreamProducer producer =
      [&stats, count, interval, first,
       plain_timer](keel::http::ResponseStream& stream) -> boost::asio::awaitable<void> {
    stats.active.fetch_add(1);
    bool ended = false;
    try {
      for (std::int64_t n = first; count == 0 || n < first + count; ++n) {
        const std::string id = std::to_string(n);
        const std::string data = "{\"n\":" + id + "}";
        const keel::http::ServerSentEvent event{.event = "tick", .data = data, .id = id};
        const bool sent = co_await keel::http::SendEvent(stream, event);
        if (!sent) {
          ended = true;
          break;
        }
        if (plain_timer) {
          boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, interval);
          co_await timer.async_wait(boost::asio::use_awaitable);  // throws when cancelled
          continue;
        }
        const bool slept = co_await stream.Sleep(interval);
        if (!slept) {
          ended = true;
          break;
        }
      }
    } catch (const std::exception&) {
      ended = true;  // a wait cancelled when the stream ended
    }
    stats.active.fetch_sub(1);
    (ended ? stats.ended : stats.completed).fetch_add(1);
  };
  co_return keel::http::EventStreamResponse(std::move(producer), heartbeat);
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
  // A 300 ms budget that must not cut the stream (stream_timeout opts out of it) ...
  SseStats sse;
  r.Get("/sse", [&sse](Request& q, RequestContext& c) { return Sse(sse, q, c); },
        {.budget = std::chrono::milliseconds(300), .stream_timeout = std::chrono::seconds(60)});
  // ... and a route without the opt-in, whose streams end at the request's deadline.
  r.Get("/sse/bounded", [&sse](Request& q, RequestContext& c) { return Sse(sse, q, c); },
        {.budget = std::chrono::milliseconds(500)});
  r.Get("/sse/stats", [&sse](Request&, RequestContext&) -> Awaitable {
    co_return Response::Json(200, "{\"active\":" + std::to_string(sse.active.load()) +
                                      ",\"completed\":" + std::to_string(sse.completed.load()) +
                                      ",\"ended\":" + std::to_string(sse.ended.load()) + "}");
  });
  return service.Run();
}
