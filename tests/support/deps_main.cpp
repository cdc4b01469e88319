// keel-deps-demo: a test app for tests/e2e_deps. It calls fake-upstream through
// keel::resilience::DependencyClient, one client per dependency (deps.<name>.* keys):
//   recs    GET /recommendations/{id}, answered with an empty, degraded list when it fails
//   pay     POST /payments (retried only with an Idempotency-Key)
//   flaky   GET /echo, for retry-budget tests (set breaker.enabled=false there)
//   slow    GET /echo, for bulkhead isolation (point it at a slow route)
//   hedged  GET /recommendations/{id}, for hedging tests (hedge.enabled=true there)
// Routes: GET /recs/{id:int}, POST /pay, GET /call/{dep}?path=/x, GET /breaker/{dep}.
#include <boost/json/serialize.hpp>
#include <keel/core/command_line.hpp>
#include <keel/http/problem.hpp>
#include <keel/observe/service.hpp>
#include <keel/resilience/fallback.hpp>
#include <keel/resilience/http/dependency_client.hpp>
#include <keel/resilience/http/fallback_response.hpp>
#include <map>
#include <memory>
#include <random>

namespace {

namespace json = boost::json;
namespace res = keel::resilience;
using keel::http::ClientRequest;
using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;
using Awaitable = boost::asio::awaitable<Response>;

constexpr const char* kDeps[] = {"recs", "pay", "flaky", "slow", "hedged"};

// An upstream response passed through (status and body) or the error as problem+json.
Response Relay(const keel::Result<keel::http::ClientResponse>& r, std::string_view request_id) {
  if (!r) {
    return keel::http::ErrorResponse(r.error(), request_id);
  }
  Response out(r->status);
  out.SetHeader("Content-Type", r->Header("content-type").value_or("application/octet-stream"));
  out.SetHeader("X-Upstream-Status", std::to_string(r->status));
  out.set_body(r->body);
  return out;
}

class Demo {
 public:
  Demo(keel::observe::Service& service, const keel::Config& config)
      : random_(std::random_device{}()), recs_fallbacks_("recs", service.metrics()) {
    for (const char* name : kDeps) {
      auto settings = res::DependencySettingsFromConfig(config, name);
      if (!settings) {
        std::fprintf(stderr, "configuration error:\n%s\n", settings.error().message().c_str());
        std::exit(2);
      }
      clients_[name] = std::make_unique<res::DependencyClient>(
          std::move(*settings), service.runtime(), service.metrics(), clock_, random_,
          [&service](const res::BreakerTransition& t) {
            service.logger().Log(keel::observe::LogLevel::kWarn, "circuit breaker transition",
                                 {{"dependency", t.name},
                                  {"from", res::BreakerStateName(t.from)},
                                  {"to", res::BreakerStateName(t.to)},
                                  {"failure_rate", t.failure_rate}});
          });
    }
  }

  Awaitable Recs(Request& req, RequestContext& ctx) {
    const auto id = req.PathParamInt("id");
    const ClientRequest call{.target = "/recommendations/" + std::to_string(id)};
    auto r = co_await clients_.at("recs")->Call(call, ctx);
    if (r && r->status != 200) {
      r = keel::Error(keel::ErrorCode::kUnavailable, "unexpected status");
    }
    auto recs = res::OrDefault<std::string>(
        r ? keel::Result<std::string>(r->body) : keel::Result<std::string>(r.error()),
        json::serialize(json::object{{"product_id", id}, {"recommendations", json::array{}}}));
    auto response = Response::Json(200, std::move(recs.value));
    res::MarkDegraded(response, recs_fallbacks_, recs);
    co_return response;
  }

  Awaitable Pay(Request& req, RequestContext& ctx) {
    ClientRequest call{.method = keel::http::Method::kPost,
                       .target = "/payments",
                       .body = std::string(req.body())};
    call.headers.emplace_back("Content-Type", "application/json");
    if (auto key = req.Header("idempotency-key")) {
      call.headers.emplace_back("Idempotency-Key", std::string(*key));
    }
    co_return Relay(co_await clients_.at("pay")->Call(call, ctx), ctx.request_id());
  }

  Awaitable Call(Request& req, RequestContext& ctx) {
    auto it = clients_.find(std::string(*req.PathParam("dep")));
    if (it == clients_.end()) {
      co_return keel::http::ProblemResponse(404, "no such dependency", ctx.request_id());
    }
    const ClientRequest call{.target = req.QueryParam("path").value_or("/echo")};
    co_return Relay(co_await it->second->Call(call, ctx), ctx.request_id());
  }

  Awaitable Breaker(Request& req, RequestContext& ctx) {
    auto it = clients_.find(std::string(*req.PathParam("dep")));
    if (it == clients_.end() || it->second->breaker() == nullptr) {
      co_return keel::http::ProblemResponse(404, "no breaker", ctx.request_id());
    }
    const auto snap = it->second->breaker()->Read();
    co_return Response::Json(
        200, json::serialize(json::object{{"state", res::BreakerStateName(snap.state)},
                                          {"calls", snap.calls},
                                          {"failed", snap.failed},
                                          {"failure_rate", snap.failure_rate}}));
  }

 private:
  keel::SteadyClock clock_;
  res::SplitMixRandom random_;
  res::FallbackCounter recs_fallbacks_;
  std::map<std::string, std::unique_ptr<res::DependencyClient>> clients_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"keel-deps-demo: calls fake-upstream through DependencyClient (tests/e2e_deps)"};
  keel::StandardOptions options;
  keel::AddStandardOptions(app, options);
  keel::ParseCommandLineOrExit(app, argc, argv);

  keel::ConfigSchema schema;
  keel::observe::Service::AddConfig(schema);
  for (const char* name : kDeps) {
    res::DependencySettings defaults;
    defaults.urls = {"http://127.0.0.1:8081"};
    res::AddDependencyConfig(schema, name, defaults);
  }
  const keel::Config config = keel::LoadConfigOrExit(schema, options);

  keel::observe::Service service("keel-deps-demo", config);
  // Declared after the service: destroyed first, while the runtime's io_contexts still exist.
  Demo demo(service, config);
  auto bind = [&demo](auto method) {
    return [&demo, method](Request& q, RequestContext& c) { return (demo.*method)(q, c); };
  };
  auto& r = service.routes();
  r.Get("/recs/{id:int}", bind(&Demo::Recs));
  r.Add(keel::http::Method::kPost, "/pay", bind(&Demo::Pay));
  r.Get("/call/{dep}", bind(&Demo::Call));
  r.Get("/breaker/{dep}", bind(&Demo::Breaker));
  return service.Run();
}
