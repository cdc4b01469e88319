// fake-upstream: a real HTTP process standing in for third parties (payment, recommendations) in
// tests and benchmarks, built on keel's own server. Each route's latency and failures are set at
// runtime through POST /_control; GET /_stats counts the requests each route received.
//
//   fake-upstream --listen 127.0.0.1:8081 [--set fake.seed=7]
//   curl -XPOST localhost:8081/_control -d '{"route":"payments","error":{"p":0.5,"status":503}}'
//
// Routes: POST /payments, GET /recommendations/{id:int}, GET|POST /echo, POST|GET /_control,
// GET /_stats (plus keel's /healthz, /readyz, /metrics). See docs/dependencies.md.
//
// Limitation: keel's server cannot reset a connection from a handler, so "reset" sends a response
// with conflicting Content-Length fields and closes the connection: a strict client (keel's,
// h11) sees an unreadable response on a closed connection, which is what a reset means to it,
// but no RST segment is sent.
#include <boost/json/serialize.hpp>
#include <charconv>
#include <keel/core/command_line.hpp>
#include <keel/core/with_deadline.hpp>
#include <keel/http/json_body.hpp>
#include <keel/http/problem.hpp>
#include <keel/observe/service.hpp>
#include <map>
#include <mutex>

#include "fault_plan.hpp"

namespace {

namespace json = boost::json;
using fake_upstream::Action;
using fake_upstream::FaultPlan;
using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;
using Awaitable = boost::asio::awaitable<Response>;
using namespace std::chrono_literals;

// The request's X-Request-Timeout in ms, -1 when absent or malformed.
std::int64_t RequestTimeoutMs(const Request& req) {
  const auto v = req.Header("x-request-timeout");
  std::int64_t ms = -1;
  if (v) {
    std::from_chars(v->data(), v->data() + v->size(), ms);
  }
  return ms;
}

// Applies the injected fault, if any; nullopt means "answer normally".
boost::asio::awaitable<std::optional<Response>> Inject(const Action& a, RequestContext& ctx) {
  if (a.delay.count() > 0) {
    if (auto slept = co_await keel::SleepFor(a.delay, ctx.deadline()); !slept) {
      co_return keel::http::ErrorResponse(slept.error(), ctx.request_id());
    }
  }
  if (a.hang) {  // until the caller's deadline (sent as X-Request-Timeout) or the route budget
    auto slept = co_await keel::SleepFor(1h, ctx.deadline());
    co_return keel::http::ErrorResponse(
        slept ? keel::Error(keel::ErrorCode::kInternal, "woke") : slept.error(), ctx.request_id());
  }
  if (a.reset) {
    Response r(200);
    r.SetHeader("Content-Length", "1000");  // the server adds its own: unreadable on purpose
    r.set_close(true);
    co_return r;
  }
  if (a.error_status != 0) {
    auto r = keel::http::ProblemResponse(a.error_status, "injected failure", ctx.request_id());
    if (a.retry_after >= 0) {
      r.SetHeader("Retry-After", std::to_string(a.retry_after));
    }
    co_return r;
  }
  co_return std::nullopt;
}

class Upstream {
 public:
  explicit Upstream(std::uint64_t seed) : plan_({"payments", "recommendations", "echo"}, seed) {}

  Awaitable Payments(Request& req, RequestContext& ctx) {
    if (auto fault = co_await Inject(plan_.Next("payments", RequestTimeoutMs(req)), ctx)) {
      co_return std::move(*fault);
    }
    const std::string key(req.Header("idempotency-key").value_or(""));
    std::string id;
    {
      std::lock_guard lock(mu_);
      auto& known = key.empty() ? scratch_ : by_key_[key];
      if (known.empty()) {
        known = "pay_" + std::to_string(++next_id_);
      }
      id = known;
      scratch_.clear();
    }
    json::object out{{"id", id}, {"status", "captured"}, {"idempotency_key", key}};
    if (auto body = keel::http::ParseJson(req.body(), {.allow_empty = true});
        body && !body->is_null()) {
      out["request"] = std::move(*body);
    }
    co_return Response::Json(201, json::serialize(out));
  }

  Awaitable Recommendations(Request& req, RequestContext& ctx) {
    if (auto fault = co_await Inject(plan_.Next("recommendations", RequestTimeoutMs(req)), ctx)) {
      co_return std::move(*fault);
    }
    const auto id = req.PathParamInt("id");
    json::array recs;
    for (std::int64_t i = 1; i <= 4; ++i) {
      recs.emplace_back(id + i);
    }
    co_return Response::Json(
        200, json::serialize(json::object{{"product_id", id}, {"recommendations", recs}}));
  }

  Awaitable Echo(Request& req, RequestContext& ctx) {
    const auto timeout = RequestTimeoutMs(req);
    if (auto fault = co_await Inject(plan_.Next("echo", timeout), ctx)) {
      co_return std::move(*fault);
    }
    co_return Response::Json(
        200, json::serialize(
                 json::object{{"method", req.method_text()},
                              {"target", req.target()},
                              {"x_request_timeout", timeout},
                              {"idempotency_key", req.Header("idempotency-key").value_or("")},
                              {"body", req.body()}}));
  }

  Awaitable Control(Request& req, RequestContext& ctx) {
    if (req.method() == keel::http::Method::kPost) {
      auto body = keel::http::ParseJson(req.body());
      if (!body || !body->is_object()) {
        co_return keel::http::ProblemResponse(
            400, body ? "control document must be a JSON object" : body.error().message(),
            ctx.request_id());
      }
      if (auto applied = plan_.Apply(body->get_object()); !applied) {
        co_return keel::http::ErrorResponse(applied.error(), ctx.request_id());
      }
    }
    co_return Response::Json(200, json::serialize(plan_.PlansJson()));
  }

  Awaitable Stats(Request&, RequestContext&) {
    co_return Response::Json(200, json::serialize(plan_.StatsJson()));
  }

 private:
  FaultPlan plan_;
  std::mutex mu_;
  std::map<std::string, std::string> by_key_;  // Idempotency-Key -> payment id (a test tool)
  std::string scratch_;
  std::uint64_t next_id_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fake-upstream: a controllable stand-in for third-party HTTP dependencies"};
  keel::StandardOptions options;
  keel::AddStandardOptions(app, options);
  keel::ParseCommandLineOrExit(app, argc, argv);

  keel::ConfigSchema schema;
  keel::observe::Service::AddConfig(schema);
  schema.Add({.name = "fake.seed",
              .type = keel::ConfigType::kInt,
              .default_value = "1",
              .description = "Seed of the latency and failure draws",
              .min = 0});
  const keel::Config config = keel::LoadConfigOrExit(schema, options);

  keel::observe::Service service("fake-upstream", config);
  Upstream upstream(static_cast<std::uint64_t>(config.GetInt("fake.seed")));
  // A long budget: a hang lasts until the caller's X-Request-Timeout, which tightens it.
  const keel::http::RouteOptions slow_ok{.budget = std::chrono::seconds(60)};
  auto& r = service.routes();
  auto bind = [&upstream](auto method) {
    return [&upstream, method](Request& q, RequestContext& c) { return (upstream.*method)(q, c); };
  };
  r.Add(keel::http::Method::kPost, "/payments", bind(&Upstream::Payments), slow_ok);
  r.Get("/recommendations/{id:int}", bind(&Upstream::Recommendations), slow_ok);
  r.Get("/echo", bind(&Upstream::Echo), slow_ok);
  r.Add(keel::http::Method::kPost, "/echo", bind(&Upstream::Echo), slow_ok);
  r.Get("/_control", bind(&Upstream::Control));
  r.Add(keel::http::Method::kPost, "/_control", bind(&Upstream::Control));
  r.Get("/_stats", bind(&Upstream::Stats));
  return service.Run();
}
