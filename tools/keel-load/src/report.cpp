#include "report.hpp"

#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>

namespace keel::load {

Report BuildReport(const Settings& settings, const Scenario& scenario, const Profile& profile,
                   const RunResult& run) {
  Report r{settings, scenario, profile, run, TypeStats{}, {}, {}, {}};
  for (const auto& t : run.types) {
    r.overall.Merge(t);
  }
  switch (profile.settings.kind) {
    case ProfileKind::kRamp:
      r.ramp = AnalyzeRamp(run.phases);
      break;
    case ProfileKind::kSpike:
      r.spike = AnalyzeSpike(run.phases, run.seconds);
      break;
    case ProfileKind::kSoak:
      r.soak = AnalyzeSoak(run.phases, run.rss);
      break;
    case ProfileKind::kConstant:
      break;
  }
  if (!r.soak && settings.pid > 0) {
    r.soak = AnalyzeSoak({}, run.rss);  // RSS drift is reported whenever --pid is given
  }
  return r;
}

namespace {

Result<void> WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    return Error(ErrorCode::kInternal, "cannot write " + path.string());
  }
  return {};
}

}  // namespace

Result<void> WriteReportFiles(const Report& r, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Error(ErrorCode::kInternal, "cannot create " + dir + ": " + ec.message());
  }
  const std::filesystem::path base(dir);
  const std::pair<const char*, std::string> files[] = {
      {"summary.json", boost::json::serialize(SummaryJson(r)) + "\n"},
      {"timeseries.csv", TimeseriesCsv(r)},
      {"timeseries.json", boost::json::serialize(TimeseriesJson(r)) + "\n"},
      {"report.html", HtmlReport(r)}};
  for (const auto& [name, content] : files) {
    if (auto ok = WriteFile(base / name, content); !ok) {
      return ok;
    }
  }
  return {};
}

}  // namespace keel::load
