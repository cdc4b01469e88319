// keel/core/command_line.hpp — the flags every keel binary accepts, on top of CLI11.
//
// Adds --config FILE, --listen HOST:PORT, --admin-listen HOST:PORT, --threads N, --set KEY=VALUE
// and --print-config to a CLI11 app, and turns them into ConfigSources. Include only from a
// binary's main.cpp (CLI11 is a heavy header).
//
//   CLI::App app{"keel-hello: the minimal keel service"};
//   keel::StandardOptions options;
//   keel::AddStandardOptions(app, options);
//   keel::ParseCommandLineOrExit(app, argc, argv);
//   auto config = keel::LoadConfigOrExit(schema, options);  // exits 2 with the errors on stderr
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "keel/core/config.hpp"

namespace keel {

struct StandardOptions {
  std::string config_file;
  std::string listen;
  std::string admin_listen;
  int threads = -1;
  std::vector<std::string> sets;  // KEY=VALUE
  bool print_config = false;
  bool config_reference = false;
};

inline void AddStandardOptions(CLI::App& app, StandardOptions& o) {
  app.add_option("--config", o.config_file, "TOML configuration file")->envname("KEEL_CONFIG");
  app.add_option("--listen", o.listen, "Main listener HOST:PORT (server.listen)");
  app.add_option("--admin-listen", o.admin_listen,
                 "Admin listener HOST:PORT for /metrics (server.admin_listen); default: main");
  app.add_option("--threads", o.threads, "I/O threads, 0 = one per core (server.threads)");
  app.add_option("--set", o.sets, "Override any config key: --set section.key=value");
  app.add_flag("--print-config", o.print_config,
               "Print the effective configuration (secrets masked) and exit");
  app.add_flag("--config-reference", o.config_reference,
               "Print every configuration key as a Markdown table and exit");
}

inline ConfigSources ToConfigSources(const StandardOptions& o) {
  ConfigSources s;
  if (!o.config_file.empty()) {
    s.file = o.config_file;
  }
  for (const auto& kv : o.sets) {
    const auto eq = kv.find('=');
    s.overrides.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
  }
  if (!o.listen.empty()) {
    s.overrides.emplace_back("server.listen", o.listen);
  }
  if (!o.admin_listen.empty()) {
    s.overrides.emplace_back("server.admin_listen", o.admin_listen);
  }
  if (o.threads >= 0) {
    s.overrides.emplace_back("server.threads", std::to_string(o.threads));
  }
  return s;
}

// Parses the command line. --help prints usage and exits 0; a usage error (unknown option, bad
// value) prints CLI11's message and exits 2, like a configuration error.
inline void ParseCommandLineOrExit(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help and friends
    std::exit(app.exit(e));
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    std::exit(2);
  }
}

// Loads the configuration; on error prints every problem to stderr and exits with status 2.
// With --print-config, prints the effective configuration and exits with status 0.
inline Config LoadConfigOrExit(const ConfigSchema& schema, const StandardOptions& o) {
  if (o.config_reference) {
    std::fputs(schema.DescribeMarkdown().c_str(), stdout);
    std::exit(0);
  }
  auto config = Config::Load(schema, ToConfigSources(o));
  if (!config) {
    std::fprintf(stderr, "configuration error:\n%s\n", config.error().message().c_str());
    std::exit(2);
  }
  if (o.print_config) {
    std::fputs(config->Render().c_str(), stdout);
    std::exit(0);
  }
  return std::move(config).value();
}

}  // namespace keel
