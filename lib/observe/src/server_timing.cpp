#include "keel/observe/server_timing.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "text.hpp"

namespace keel::observe {

namespace {

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

std::string FormatServerTiming(const StageAccount& stages, std::chrono::nanoseconds total) {
  std::string out;
  out.reserve(160);
  for (std::size_t i = 0; i < kStageCount; ++i) {
    const auto stage = static_cast<Stage>(i);
    const std::uint32_t count = stages.Count(stage);
    if (count == 0) continue;
    out += StageName(stage);
    out += ";dur=";
    detail::AppendNanosAsMillis3(out, stages.Total(stage).count());
    const auto [one, many] = OperationNoun(stage);
    if (!one.empty()) {
      out += ";desc=\"";
      detail::AppendUint(out, count);
      out += ' ';
      out += count == 1 ? one : many;
      out += '"';
    }
    out += ", ";
  }
  out += "total;dur=";
  detail::AppendNanosAsMillis3(out, total.count());
  return out;
}

}  // namespace keel::observe
