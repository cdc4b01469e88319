// settings.hpp — everything a keel-load run is told, from the command line (cli.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "profile.hpp"

namespace keel::load {

struct Settings {
  // What to send: a scenario file, or one URL (with method, headers, body).
  std::string scenario_file;
  std::string url;
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body;

  ProfileSettings profile;
  int connections = 16;
  int max_connections = 0;  // 0: as many as --connections (no extra connections)
  int threads = 1;
  Nanos timeout = std::chrono::seconds(5);

  // Ramp SLO: a step passes when its p99 <= slo_p99 and its error rate <= slo_error_percent.
  Nanos slo_p99 = std::chrono::milliseconds(100);
  double slo_error_percent = 1.0;

  int pid = 0;  // sample this process's RSS every second
  std::string out_dir;
  bool quiet = false;
  uint64_t seed = 1;
};

}  // namespace keel::load
