// report.html: the summary and the per-second plots in one file, no external resources.
#include <cstdio>

#include "format.hpp"
#include "report.hpp"
#include "svg_plot.hpp"

namespace keel::load {

namespace {

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:1000px}"
    "table{border-collapse:collapse;margin:8px 0 16px}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
    "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}"
    ".fail{color:#b00;font-weight:bold}.pass{color:#070}.note{color:#555;font-size:90%}";

std::string Cell(const std::string& s, bool header = false) {
  return header ? "<th>" + HtmlEscape(s) + "</th>" : "<td>" + HtmlEscape(s) + "</td>";
}

std::string Row(const std::vector<std::string>& cells, bool header = false) {
  std::string out = "<tr>";
  for (const auto& c : cells) {
    out += Cell(c, header);
  }
  return out + "</tr>";
}

std::string N(uint64_t v) {
  return std::to_string(v);
}

std::string F(double v, const char* fmt = "%.1f") {
  char buf[32];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

std::vector<std::string> LatencyCells(const std::string& name, const LatencySummary& l) {
  return {name,
          N(l.count),
          FormatLatency(l.p50),
          FormatLatency(l.p90),
          FormatLatency(l.p99),
          FormatLatency(l.p999),
          FormatLatency(l.max),
          FormatLatency(static_cast<int64_t>(l.mean))};
}

std::string LatencyTable(const Report& r) {
  std::string out =
      "<table>" + Row({"request type", "count", "p50", "p90", "p99", "p99.9", "max", "mean"}, true);
  for (std::size_t i = 0; i < r.run.types.size(); ++i) {
    out += Row(LatencyCells(r.scenario.requests[i].name, Summarize(r.run.types[i].latency)));
  }
  out += Row(LatencyCells("all", Summarize(r.overall.latency)));
  return out + "</table>";
}

std::string TotalsTable(const Report& r) {
  const auto& c = r.overall.counters;
  std::string out = "<table>" + Row({"scheduled", "sent", "responses", "2xx/3xx", "4xx", "5xx",
                                     "connect", "reset", "timeout", "parse", "late", "cancelled"},
                                    true);
  out += Row({N(c.scheduled), N(c.sent), N(c.responses), N(c.status.Between(100, 399)),
              N(c.status.Between(400, 499)), N(c.status.Between(500, 599)), N(c.errors[0]),
              N(c.errors[1]), N(c.errors[2]), N(c.errors[3]), N(c.late), N(c.cancelled)});
  out += "</table><p>Status codes: ";
  for (const auto& [code, n] : c.status.items()) {
    out += HtmlEscape(std::to_string(code) + " × " + std::to_string(n)) + "; ";
  }
  const auto& conn = r.run.connections;
  out += "connections opened " + N(conn.opened) + " (extra " + N(conn.extra) + "), retries on " +
         "closed keep-alive connections " + N(conn.retries) + "; send delay p99 " +
         FormatLatency(r.run.send_delay.ValueAtPercentile(99)) + ".</p>";
  return out;
}

std::string PhasesTable(const Report& r) {
  if (r.run.phases.size() <= 1) {
    return "";
  }
  std::string out = "<h2>Phases</h2><table>" + Row({"phase", "seconds", "target rate", "requests",
                                                    "failed %", "p50", "p99", "max", "SLO"},
                                                   true);
  for (const auto& p : r.run.phases) {
    std::string slo = p.slo_pass ? (*p.slo_pass ? "pass" : "FAIL") : "";
    if (!p.complete) {
      slo += " (cut short)";
    }
    out += Row({p.phase.label,
                std::to_string(p.phase.first_second) + "–" + std::to_string(p.phase.end_second),
                F(p.phase.rate), N(p.requests), F(100 * p.error_rate(), "%.2f"),
                FormatLatency(p.latency.p50), FormatLatency(p.latency.p99),
                FormatLatency(p.latency.max), slo});
  }
  return out + "</table>";
}

std::string VerdictHtml(const Report& r) {
  std::string out;
  if (r.ramp) {
    out += "<h2>Ramp</h2><p>SLO: p99 ≤ " + FormatLatency(r.settings.slo_p99.count()) +
           ", failed ≤ " + F(r.settings.slo_error_percent, "%.2f") + " %. ";
    out += r.ramp->capacity_rps
               ? "<b>Capacity: " + F(*r.ramp->capacity_rps) + " req/s</b> (last passing step)"
               : std::string("<span class='fail'>no step passed</span>");
    out += r.ramp->broken_at ? "; first failing: " + HtmlEscape(*r.ramp->broken_at) + ".</p>"
                             : "; the SLO never broke (capacity is a lower bound).</p>";
  }
  if (r.spike) {
    out += "<h2>Spike</h2><p>p99 before " + FormatLatency(r.spike->p99_before) + ", during " +
           FormatLatency(r.spike->p99_during) + ", after " + FormatLatency(r.spike->p99_after) +
           ". Recovery (per-second p99 ≤ " + FormatLatency(r.spike->threshold) + "): " +
           (r.spike->recovery_s ? std::to_string(*r.spike->recovery_s) + " s after the spike"
                                : std::string("<span class='fail'>not recovered</span>")) +
           ".</p>";
  }
  if (r.soak && r.soak->rss_first) {
    out += "<h2>Memory</h2><p>RSS of pid " + std::to_string(r.settings.pid) + ": first " +
           F(static_cast<double>(*r.soak->rss_first) / 1048576, "%.1f") + " MiB, last " +
           F(static_cast<double>(*r.soak->rss_last) / 1048576, "%.1f") + " MiB, max " +
           F(static_cast<double>(*r.soak->rss_max) / 1048576, "%.1f") + " MiB; trend " +
           F(r.soak->rss_slope_per_hour.value_or(0) / 1048576, "%.2f") + " MiB/hour.</p>";
  }
  return out;
}

std::string Plots(const Report& r) {
  PlotSeries p50{"p50", "#1f77b4", {}};
  PlotSeries p99{"p99", "#d62728", {}};
  PlotSeries sent{"sent", "#7f7f7f", {}};
  PlotSeries ok{"2xx/3xx", "#2ca02c", {}};
  PlotSeries bad{"4xx/5xx/errors", "#d62728", {}};
  for (const auto& s : r.run.seconds) {
    const double x = static_cast<double>(s.second);
    if (s.samples > 0) {
      p50.points.emplace_back(x, static_cast<double>(s.p50) / 1e6);
      p99.points.emplace_back(x, static_cast<double>(s.p99) / 1e6);
    }
    const auto& c = s.counters;
    sent.points.emplace_back(x, static_cast<double>(c.sent));
    ok.points.emplace_back(x, static_cast<double>(c.status.Between(100, 399)));
    bad.points.emplace_back(x, static_cast<double>(c.status.Between(400, 599) + c.Errors()));
  }
  std::string out = SvgLinePlot("Latency of the requests scheduled in each second",
                                "second of the run", "ms", {p50, p99});
  out += SvgLinePlot("Throughput", "second of the run", "per second", {sent, ok, bad});
  if (!r.run.rss.empty()) {
    PlotSeries rss{"RSS", "#9467bd", {}};
    for (const auto& s : r.run.rss) {
      rss.points.emplace_back(s.elapsed_s, static_cast<double>(s.rss_bytes) / 1048576);
    }
    out += SvgLinePlot("RSS of pid " + std::to_string(r.settings.pid), "second of the run", "MiB",
                       {rss});
  }
  return out;
}

}  // namespace

std::string HtmlReport(const Report& r) {
  const auto& p = r.profile.settings;
  std::string out =
      "<!DOCTYPE html><html><head><meta charset='utf-8'><title>keel-load report</title>"
      "<style>";
  out += kStyle;
  out += "</style></head><body><h1>keel-load report</h1><p>";
  out += HtmlEscape(r.scenario.target.url) + " (" + HtmlEscape(r.run.endpoint) + ") — profile <b>" +
         ProfileKindName(p.kind) + "</b>, rate " + F(p.rate) + " req/s, duration " +
         F(std::chrono::duration<double>(p.duration).count()) + " s, " +
         std::to_string(r.settings.connections) + " connections (max " +
         std::to_string(r.settings.max_connections) + "), " + std::to_string(r.settings.threads) +
         " thread(s), timeout " + FormatLatency(r.settings.timeout.count()) + ". Started " +
         HtmlEscape(r.run.started_at) + ", ran " + F(r.run.elapsed_s) +
         " s, stop: " + StopReasonName(r.run.stop_reason) + ".</p>";
  out += "<h2>Latency</h2>" + LatencyTable(r) + "<h2>Requests</h2>" + TotalsTable(r);
  out += VerdictHtml(r) + PhasesTable(r) + "<h2>Over time</h2>" + Plots(r);
  out +=
      "<p class='note'>Open-loop: requests are scheduled at the target rate whatever the "
      "server does, and latency is measured from the scheduled time, so time spent waiting "
      "for the server or for a free connection is included (no coordinated omission). "
      "Per-second latency is attributed to the second a request was scheduled in; "
      "throughput to the second it happened in.</p></body></html>\n";
  return out;
}

}  // namespace keel::load
