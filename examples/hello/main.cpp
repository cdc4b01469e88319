// keel-hello: the minimal keel service (GET /plaintext, GET /json, health and metrics).
// Used by the README tour and by the raw HTTP benchmarks against nginx, Go and fastify.
#include <keel/core/command_line.hpp>
#include <keel/observe/service.hpp>

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
  const keel::Config config = keel::LoadConfigOrExit(schema, options);

  keel::observe::Service service("keel-hello", config);
  service.routes().Get("/plaintext", Plaintext);
  service.routes().Get("/json", Json);
  return service.Run();
}
