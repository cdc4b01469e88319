// summary.json: the whole run in one object (see report.hpp and docs/keel-load.md).
#include <boost/json/value.hpp>

#include "format.hpp"
#include "report.hpp"

namespace keel::load {

namespace json = boost::json;

namespace {

double Seconds(Nanos d) {
  return std::chrono::duration<double>(d).count();
}

json::object LatencyJson(const LatencySummary& l) {
  return {{"count", l.count}, {"min", Ms(l.min)},
          {"p50", Ms(l.p50)}, {"p90", Ms(l.p90)},
          {"p99", Ms(l.p99)}, {"p99_9", Ms(l.p999)},
          {"max", Ms(l.max)}, {"mean", Ms(static_cast<int64_t>(l.mean))}};
}

json::object StatusJson(const StatusCounts& s) {
  json::object o;
  for (const auto& [code, n] : s.items()) {
    o[std::to_string(code)] = n;
  }
  return o;
}

json::object ErrorsJson(const Counters& c) {
  json::object o;
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    o[ErrorKindName(static_cast<ErrorKind>(k))] = c.errors[k];
  }
  return o;
}

json::object CountersJson(const Counters& c) {
  return {{"scheduled", c.scheduled},
          {"sent", c.sent},
          {"responses", c.responses},
          {"ok", c.status.Between(100, 399)},
          {"http_4xx", c.status.Between(400, 499)},
          {"http_5xx", c.status.Between(500, 599)},
          {"errors", c.Errors()},
          {"errors_by_kind", ErrorsJson(c)},
          {"cancelled", c.cancelled},
          {"late", c.late},
          {"status", StatusJson(c.status)}};
}

json::object SettingsJson(const Report& r) {
  const auto& s = r.settings;
  const auto& p = r.profile.settings;
  json::object o{
      {"profile", ProfileKindName(p.kind)},
      {"rate", p.rate},
      {"duration_s", Seconds(p.duration)},
      {"connections", s.connections},
      {"max_connections", s.max_connections},
      {"threads", s.threads},
      {"timeout_s", Seconds(s.timeout)},
      {"seed", s.seed},
      {"scenario", s.scenario_file.empty() ? json::value(nullptr) : json::value(s.scenario_file)}};
  if (p.kind == ProfileKind::kRamp) {
    o["ramp_step_percent"] = p.ramp_step_percent;
    o["ramp_interval_s"] = Seconds(p.ramp_interval);
    o["slo_p99_ms"] = Ms(s.slo_p99.count());
    o["slo_error_percent"] = s.slo_error_percent;
  } else if (p.kind == ProfileKind::kSpike) {
    o["spike_factor"] = p.spike_factor;
    o["spike_start_s"] = Seconds(r.profile.segments[1].start);
    o["spike_duration_s"] = Seconds(r.profile.segments[1].end - r.profile.segments[1].start);
  } else if (p.kind == ProfileKind::kSoak) {
    o["soak_window_s"] = Seconds(p.soak_window);
  }
  if (s.pid > 0) {
    o["pid"] = s.pid;
  }
  return o;
}

json::array PhasesJson(const Report& r) {
  json::array a;
  for (const auto& p : r.run.phases) {
    json::object o{{"label", p.phase.label},           {"first_second", p.phase.first_second},
                   {"end_second", p.phase.end_second}, {"target_rate", p.phase.rate},
                   {"complete", p.complete},           {"requests", p.requests},
                   {"responses", p.responses},         {"failed", p.failed},
                   {"error_rate", p.error_rate()},     {"latency_ms", LatencyJson(p.latency)}};
    o["latency_ok_ms"] = LatencyJson(p.latency_ok);
    o["latency_refused_ms"] = LatencyJson(p.latency_refused);
    if (p.slo_pass) {
      o["slo_pass"] = *p.slo_pass;
    }
    a.push_back(std::move(o));
  }
  return a;
}

template <typename T>
json::value Opt(const std::optional<T>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::value OptMs(const std::optional<int64_t>& v) {
  return v ? json::value(Ms(*v)) : json::value(nullptr);
}

void AddVerdicts(const Report& r, json::object& o) {
  if (r.ramp) {
    o["ramp"] = json::object{{"capacity_rps", Opt(r.ramp->capacity_rps)},
                             {"broken_at", Opt(r.ramp->broken_at)},
                             {"steps_passed", r.ramp->steps_passed},
                             {"slo_p99_ms", Ms(r.settings.slo_p99.count())},
                             {"slo_error_percent", r.settings.slo_error_percent}};
  }
  if (r.spike) {
    o["spike"] = json::object{{"p99_before_ms", Ms(r.spike->p99_before)},
                              {"p99_during_ms", Ms(r.spike->p99_during)},
                              {"p99_after_ms", Ms(r.spike->p99_after)},
                              {"recovery_threshold_ms", Ms(r.spike->threshold)},
                              {"recovery_s", Opt(r.spike->recovery_s)}};
  }
  if (r.soak) {
    o["soak"] = json::object{{"rss_first_bytes", Opt(r.soak->rss_first)},
                             {"rss_last_bytes", Opt(r.soak->rss_last)},
                             {"rss_min_bytes", Opt(r.soak->rss_min)},
                             {"rss_max_bytes", Opt(r.soak->rss_max)},
                             {"rss_slope_bytes_per_hour", Opt(r.soak->rss_slope_per_hour)},
                             {"p99_first_window_ms", OptMs(r.soak->p99_first_window)},
                             {"p99_last_window_ms", OptMs(r.soak->p99_last_window)}};
  }
}

}  // namespace

json::object SummaryJson(const Report& r) {
  const auto& run = r.run;
  json::array types;
  for (std::size_t i = 0; i < run.types.size(); ++i) {
    const auto& rt = r.scenario.requests[i];
    json::object t{{"name", rt.name}, {"method", rt.method}, {"weight", rt.weight}};
    t["totals"] = CountersJson(run.types[i].counters);
    t["latency_ms"] = LatencyJson(Summarize(run.types[i].latency));
    t["latency_ok_ms"] = LatencyJson(Summarize(run.types[i].ok_latency));
    t["latency_refused_ms"] = LatencyJson(Summarize(run.types[i].refused_latency));
    types.push_back(std::move(t));
  }
  json::object o{{"tool", "keel-load"},
                 {"target", r.scenario.target.url},
                 {"endpoint", run.endpoint},
                 {"started_at", run.started_at},
                 {"elapsed_s", run.elapsed_s},
                 {"stop_reason", StopReasonName(run.stop_reason)},
                 {"settings", SettingsJson(r)},
                 {"totals", CountersJson(r.overall.counters)},
                 {"latency_ms", LatencyJson(Summarize(r.overall.latency))},
                 {"latency_ok_ms", LatencyJson(Summarize(r.overall.ok_latency))},
                 {"latency_refused_ms", LatencyJson(Summarize(r.overall.refused_latency))},
                 {"send_delay_ms", LatencyJson(Summarize(run.send_delay))},
                 {"connections", json::object{{"opened", run.connections.opened},
                                              {"extra", run.connections.extra},
                                              {"retries", run.connections.retries}}},
                 {"request_types", std::move(types)},
                 {"phases", PhasesJson(r)}};
  AddVerdicts(r, o);
  return o;
}

}  // namespace keel::load
