#include "server_timing.hpp"

#include <cstdio>

namespace keel::http {

namespace {
void AppendMillis(std::string& out, std::chrono::nanoseconds d) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(d.count()) / 1e6);
  out.append(buf, static_cast<std::size_t>(n));
}
}  // namespace

void AppendServerTiming(std::string& out, const StageAccount& stages,
                        std::chrono::nanoseconds total) {
  for (std::size_t i = 0; i < kStageCount; ++i) {
    const auto stage = static_cast<Stage>(i);
    if (stages.Count(stage) == 0) {
      continue;
    }
    out += StageName(stage);
    out += ";dur=";
    AppendMillis(out, stages.Total(stage));
    if (stage >= Stage::kDb) {
      out += ";desc=\"";
      out += std::to_string(stages.Count(stage));
      out += '"';
    }
    out += ", ";
  }
  out += "total;dur=";
  AppendMillis(out, total);
}

}  // namespace keel::http
