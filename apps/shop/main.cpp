// keel-shop: the reference service built on keel's public API (wiring only; the domain lives in
// src/<domain>/{routes,service,store}.cpp).
//
//   keel-shop serve --config apps/shop/shop.toml
#include <keel/core/command_line.hpp>
#include <keel/observe/service.hpp>

#include "src/info/routes.hpp"

int main(int argc, char** argv) {
  CLI::App app{"keel-shop: the keel reference service"};
  app.require_subcommand(1);
  keel::StandardOptions options;
  CLI::App* serve = app.add_subcommand("serve", "Serve the shop API");
  keel::AddStandardOptions(*serve, options);
  CLI11_PARSE(app, argc, argv);

  keel::ConfigSchema schema;
  keel::observe::Service::AddConfig(schema);
  const keel::Config config = keel::LoadConfigOrExit(schema, options);

  keel::observe::Service service("keel-shop", config);
  shop::info::AddRoutes(service.routes());
  return service.Run();
}
