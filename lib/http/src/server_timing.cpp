#include "keel/http/server_timing.hpp"

#include <cstdint>
#include <string_view>
#include <utility>

namespace keel::http {

namespace {

// Milliseconds with exactly three decimals, rounded half up from nanoseconds.
void AppendMillis(std::string& out, std::chrono::nanoseconds d) {
  const std::int64_t micros = (d.count() + 500) / 1000;
  out += std::to_string(micros / 1000);
  out += '.';
  const auto frac = std::to_string(micros % 1000);
  out.append(3 - frac.size(), '0');
  out += frac;
}

// The noun for a wait stage's operation count (singular, plural), or empty for other stages.
std::pair<std::string_view, std::string_view> OperationNoun(Stage stage) {
  switch (stage) {
    case Stage::kDb:
      return {"query", "queries"};
    case Stage::kCache:
      return {"lookup", "lookups"};
    case Stage::kUpstream:
      return {"call", "calls"};
    default:
      return {};
  }
}

}  // namespace

void AppendServerTiming(std::string& out, const StageAccount& stages,
                        std::chrono::nanoseconds total) {
  for (std::size_t i = 0; i < kStageCount; ++i) {
    const auto stage = static_cast<Stage>(i);
    const std::uint32_t count = stages.Count(stage);
    if (count == 0) {
      continue;
    }
    out += StageName(stage);
    out += ";dur=";
    AppendMillis(out, stages.Total(stage));
    const auto [one, many] = OperationNoun(stage);
    if (!one.empty()) {
      out += ";desc=\"";
      out += std::to_string(count);
      out += ' ';
      out += count == 1 ? one : many;
      out += '"';
    }
    out += ", ";
  }
  out += "total;dur=";
  AppendMillis(out, total);
}

std::string FormatServerTiming(const StageAccount& stages, std::chrono::nanoseconds total) {
  std::string out;
  out.reserve(160);
  AppendServerTiming(out, stages, total);
  return out;
}

}  // namespace keel::http
