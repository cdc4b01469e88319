// The text summary printed on stdout at the end of a run.
#include <cstdio>

#include "format.hpp"
#include "report.hpp"

namespace keel::load {

namespace {

void Appendf(std::string& out, const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), fmt, args...);
  out += buf;
}

void LatencyLine(std::string& out, const std::string& name, const LatencySummary& l) {
  Appendf(out, "  %-24s %9llu %9s %9s %9s %9s %9s\n", name.substr(0, 24).c_str(),
          static_cast<unsigned long long>(l.count), FormatLatency(l.p50).c_str(),
          FormatLatency(l.p90).c_str(), FormatLatency(l.p99).c_str(), FormatLatency(l.p999).c_str(),
          FormatLatency(l.max).c_str());
}

void Verdicts(std::string& out, const Report& r) {
  if (r.ramp) {
    if (r.ramp->capacity_rps) {
      Appendf(out, "ramp: capacity %.1f req/s (last step with p99 <= %s and failed <= %.2f %%)",
              *r.ramp->capacity_rps, FormatLatency(r.settings.slo_p99.count()).c_str(),
              r.settings.slo_error_percent);
    } else {
      out += "ramp: no step passed the SLO";
    }
    out += r.ramp->broken_at ? "; first failing: " + *r.ramp->broken_at + "\n"
                             : "; the SLO never broke: capacity is a lower bound\n";
  }
  if (r.spike) {
    Appendf(out, "spike: p99 before %s, during %s, after %s; ",
            FormatLatency(r.spike->p99_before).c_str(), FormatLatency(r.spike->p99_during).c_str(),
            FormatLatency(r.spike->p99_after).c_str());
    if (r.spike->recovery_s) {
      Appendf(out, "recovered (p99 <= %s) %lld s after the spike\n",
              FormatLatency(r.spike->threshold).c_str(),
              static_cast<long long>(*r.spike->recovery_s));
    } else {
      Appendf(out, "did not recover to p99 <= %s\n", FormatLatency(r.spike->threshold).c_str());
    }
  }
  if (r.soak && r.soak->rss_first) {
    Appendf(out, "rss: first %.1f MiB, last %.1f MiB, max %.1f MiB, trend %.2f MiB/hour\n",
            static_cast<double>(*r.soak->rss_first) / 1048576,
            static_cast<double>(*r.soak->rss_last) / 1048576,
            static_cast<double>(*r.soak->rss_max) / 1048576,
            r.soak->rss_slope_per_hour.value_or(0) / 1048576);
  }
  if (r.soak && r.soak->p99_first_window) {
    Appendf(out, "soak: p99 first window %s, last window %s\n",
            FormatLatency(*r.soak->p99_first_window).c_str(),
            FormatLatency(*r.soak->p99_last_window).c_str());
  }
}

}  // namespace

std::string TextSummary(const Report& r) {
  std::string out;
  const auto& c = r.overall.counters;
  Appendf(out, "keel-load: %s, %s profile, %.1f s, stop: %s\n", r.scenario.target.url.c_str(),
          ProfileKindName(r.profile.settings.kind), r.run.elapsed_s,
          StopReasonName(r.run.stop_reason));
  Appendf(out, "latency (from the scheduled send time)\n  %-24s %9s %9s %9s %9s %9s %9s\n", "type",
          "count", "p50", "p90", "p99", "p99.9", "max");
  for (std::size_t i = 0; i < r.run.types.size(); ++i) {
    LatencyLine(out, r.scenario.requests[i].name, Summarize(r.run.types[i].latency));
  }
  if (r.run.types.size() > 1) {
    LatencyLine(out, "all", Summarize(r.overall.latency));
  }
  if (r.overall.refused_latency.count() > 0) {  // an overloaded server: successes and refusals
    LatencyLine(out, "(all) 1xx-3xx", Summarize(r.overall.ok_latency));
    LatencyLine(out, "(all) 429/503", Summarize(r.overall.refused_latency));
  }
  Appendf(out, "requests: scheduled %llu, sent %llu, responses %llu, late %llu, cancelled %llu\n",
          static_cast<unsigned long long>(c.scheduled), static_cast<unsigned long long>(c.sent),
          static_cast<unsigned long long>(c.responses), static_cast<unsigned long long>(c.late),
          static_cast<unsigned long long>(c.cancelled));
  out += "status:";
  for (const auto& [code, n] : c.status.items()) {
    Appendf(out, " %d×%llu", code, static_cast<unsigned long long>(n));
  }
  Appendf(
      out, "\nerrors: connect %llu, reset %llu, timeout %llu, parse %llu\n",
      static_cast<unsigned long long>(c.errors[0]), static_cast<unsigned long long>(c.errors[1]),
      static_cast<unsigned long long>(c.errors[2]), static_cast<unsigned long long>(c.errors[3]));
  Appendf(out, "connections: opened %llu, extra %llu, retries %llu; send delay p99 %s\n",
          static_cast<unsigned long long>(r.run.connections.opened),
          static_cast<unsigned long long>(r.run.connections.extra),
          static_cast<unsigned long long>(r.run.connections.retries),
          FormatLatency(r.run.send_delay.ValueAtPercentile(99)).c_str());
  Verdicts(out, r);
  return out;
}

}  // namespace keel::load
