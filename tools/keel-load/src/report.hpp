// report.hpp — what a finished run reports, and the writers for each output.
//
//   summary.json     settings, totals, latency per type and overall, statuses, errors, phases,
//                    the profile's verdict
//   timeseries.csv   one row per second: scheduled, sent, completed, per status, errors,
//   timeseries.json  in-flight, and p50/p90/p99/max of the requests *scheduled* in that second
//   report.html      the same, self-contained (inline SVG, no scripts, no external resources)
//   stdout           a text summary
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis.hpp"
#include "keel/core/error.hpp"
#include "run.hpp"
#include "scenario.hpp"
#include "settings.hpp"

namespace keel::load {

struct Report {
  const Settings& settings;
  const Scenario& scenario;
  const Profile& profile;
  const RunResult& run;
  TypeStats overall;
  std::optional<RampVerdict> ramp;
  std::optional<SpikeVerdict> spike;
  std::optional<SoakVerdict> soak;
};

[[nodiscard]] Report BuildReport(const Settings& settings, const Scenario& scenario,
                                 const Profile& profile, const RunResult& run);

[[nodiscard]] boost::json::object SummaryJson(const Report& r);
[[nodiscard]] std::vector<std::string> TimeseriesColumns(const Report& r);
// One row per second, in TimeseriesColumns order; an absent value (no RSS sample) is nullopt.
[[nodiscard]] std::vector<std::vector<std::optional<double>>> TimeseriesRows(const Report& r);
[[nodiscard]] std::string TimeseriesCsv(const Report& r);
[[nodiscard]] boost::json::array TimeseriesJson(const Report& r);
[[nodiscard]] std::string HtmlReport(const Report& r);
[[nodiscard]] std::string TextSummary(const Report& r);

// Writes the four files into `dir` (created if missing). Errors: kInternal with the path.
[[nodiscard]] Result<void> WriteReportFiles(const Report& r, const std::string& dir);

}  // namespace keel::load
