// timeseries.csv and timeseries.json: one row per second of the run (see report.hpp).
#include <cmath>
#include <cstdio>
#include <set>

#include "format.hpp"
#include "report.hpp"

namespace keel::load {

namespace json = boost::json;

namespace {

std::set<int> StatusCodes(const Report& r) {
  std::set<int> codes;
  for (const auto& row : r.run.seconds) {
    for (const auto& [code, n] : row.counters.status.items()) {
      codes.insert(code);
    }
  }
  return codes;
}

// RSS sampled at the end of second s (at elapsed s+1), when --pid was given.
std::optional<double> RssAt(const Report& r, int64_t s) {
  for (const auto& sample : r.run.rss) {
    if (std::llround(sample.elapsed_s) == s + 1) {
      return static_cast<double>(sample.rss_bytes);
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> TimeseriesColumns(const Report& r) {
  std::vector<std::string> cols = {"second", "scheduled", "sent",    "completed",
                                   "ok",     "http_4xx",  "http_5xx"};
  for (int code : StatusCodes(r)) {
    cols.push_back("status_" + std::to_string(code));
  }
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    cols.push_back(std::string("errors_") + ErrorKindName(static_cast<ErrorKind>(k)));
  }
  for (const char* c :
       {"cancelled", "late", "in_flight", "samples", "p50_ms", "p90_ms", "p99_ms", "max_ms"}) {
    cols.emplace_back(c);
  }
  if (r.settings.pid > 0) {
    cols.emplace_back("rss_bytes");
  }
  return cols;
}

std::vector<std::vector<std::optional<double>>> TimeseriesRows(const Report& r) {
  const auto codes = StatusCodes(r);
  std::vector<std::vector<std::optional<double>>> rows;
  for (const auto& s : r.run.seconds) {
    const auto& c = s.counters;
    auto d = [](auto v) { return std::optional<double>(static_cast<double>(v)); };
    std::vector<std::optional<double>> row = {d(s.second),
                                              d(c.scheduled),
                                              d(c.sent),
                                              d(c.responses),
                                              d(c.status.Between(100, 399)),
                                              d(c.status.Between(400, 499)),
                                              d(c.status.Between(500, 599))};
    for (int code : codes) {
      row.push_back(d(c.status.Count(code)));
    }
    for (auto e : c.errors) {
      row.push_back(d(e));
    }
    row.push_back(d(c.cancelled));
    row.push_back(d(c.late));
    row.push_back(d(s.in_flight));
    row.push_back(d(s.samples));
    for (int64_t v : {s.p50, s.p90, s.p99, s.max}) {
      row.push_back(s.samples > 0 ? std::optional<double>(Ms(v)) : std::nullopt);
    }
    if (r.settings.pid > 0) {
      row.push_back(RssAt(r, s.second));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string TimeseriesCsv(const Report& r) {
  std::string out;
  const auto cols = TimeseriesColumns(r);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    out += (i == 0 ? "" : ",") + cols[i];
  }
  out += "\n";
  for (const auto& row : TimeseriesRows(r)) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) {
        out += ",";
      }
      if (row[i]) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.15g", *row[i]);
        out += buf;
      }
    }
    out += "\n";
  }
  return out;
}

json::array TimeseriesJson(const Report& r) {
  const auto cols = TimeseriesColumns(r);
  json::array out;
  for (const auto& row : TimeseriesRows(r)) {
    json::object o;
    for (std::size_t i = 0; i < row.size(); ++i) {
      const double v = row[i].value_or(0);
      if (!row[i]) {
        o[cols[i]] = nullptr;
      } else if (v == std::floor(v) && std::abs(v) < 9e15) {
        o[cols[i]] = static_cast<int64_t>(v);
      } else {
        o[cols[i]] = v;
      }
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace keel::load
