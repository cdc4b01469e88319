// keel-hello: the minimal keel service (GET /plaintext, GET /json, health and metrics).
// Used by the README tour and by the raw HTTP benchmarks against nginx, Go and fastify.
// Overload protection (overload.*, ratelimit.*; docs/overload.md) wraps its routes as in any keel
// service: these handlers never suspend, so admission costs one uncontended check per request.
#include <cstdio>
#include <keel/core/command_line.hpp>
#include <keel/observe/service.hpp>
#include <keel/resilience/http/overload_middleware.hpp>
#include <keel/resilience/overload_config.hpp>

namespace {

using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;

boost::asio::awaitable<Response> Plaintext(Request&, RequestContext&) {
  co_return Response::Text(200, "Hello, World!");
}

boost::asio::awaitable<Response> Json(Request&, RequestContext&) {
  co_return Response::Json(200, R"({"message":"Hello, World!"})");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"keel-hello: the minimal keel service (GET /plaintext, GET /json)"};
  keel::StandardOptions options;
  keel::AddStandardOptions(app, options);
  keel::ParseCommandLineOrExit(app, argc, argv);

  keel::ConfigSchema schema;
  keel::observe::Service::AddConfig(schema);
  keel::resilience::AddOverloadConfig(schema);
  const keel::Config config = keel::LoadConfigOrExit(schema, options);

  keel::observe::Service service("keel-hello", config);
  auto overload = keel::resilience::MakeOverloadMiddleware(config, service.metrics());
  if (!overload) {
    std::fprintf(stderr, "configuration error: %s\n", overload.error().message().c_str());
    return 2;
  }
  for (auto& middleware : overload->InOrder()) {  // before the routes: they keep their chain
    service.UseForBusinessRoutes(middleware);
  }
  service.routes().Get("/plaintext", Plaintext);
  service.routes().Get("/json", Json);
  return service.Run();
}
