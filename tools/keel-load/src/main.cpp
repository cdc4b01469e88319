// keel-load: an open-loop HTTP/1.1 load generator and report tool (docs/keel-load.md).
// Wiring only: command line -> scenario -> profile -> run -> report.
#include <cstdio>

#include "cli.hpp"
#include "profile.hpp"
#include "report.hpp"
#include "run.hpp"
#include "scenario.hpp"

int main(int argc, char** argv) {
  using namespace keel::load;
  auto settings = ParseCommandLine(argc, argv);
  if (!settings) {
    std::fprintf(stderr, "keel-load: %s\n", settings.error().message().c_str());
    return 2;
  }
  auto scenario =
      settings->scenario_file.empty()
          ? ScenarioFromUrl(settings->url, settings->method, settings->headers, settings->body)
          : LoadScenarioFile(settings->scenario_file);
  if (!scenario) {
    std::fprintf(stderr, "keel-load: %s\n", scenario.error().message().c_str());
    return 2;
  }
  const Profile profile = BuildProfile(settings->profile);
  auto run = RunLoad(*settings, *scenario, profile);
  if (!run) {
    std::fprintf(stderr, "keel-load: %s\n", run.error().message().c_str());
    return 1;
  }
  const Report report = BuildReport(*settings, *scenario, profile, *run);
  std::fputs(TextSummary(report).c_str(), stdout);
  std::fflush(stdout);
  if (!settings->out_dir.empty()) {
    if (auto ok = WriteReportFiles(report, settings->out_dir); !ok) {
      std::fprintf(stderr, "keel-load: %s\n", ok.error().message().c_str());
      return 1;
    }
    std::fprintf(stderr, "keel-load: report written to %s/report.html\n",
                 settings->out_dir.c_str());
  }
  return 0;
}
