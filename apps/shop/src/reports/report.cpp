#include "src/reports/report.hpp"

#include <boost/json/object.hpp>
#include <cstdio>

#include "src/common/json_writer.hpp"

namespace shop::reports {

namespace {

bool Digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) {
    return false;
  }
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int DaysInMonth(int year, int month) noexcept {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::optional<std::string> ReadBound(const boost::json::object& object, std::string_view key,
                                     FieldErrors& errors) {
  const std::string pointer = "/" + std::string(key);
  const auto* value = object.if_contains(key);
  if (value == nullptr) {
    AddFieldError(errors, pointer,
                  "required: a date (2024-05-01) or a UTC timestamp "
                  "(2024-05-01T12:00:00Z)");
    return std::nullopt;
  }
  const auto* text = value->if_string();
  auto normalized = text != nullptr ? NormalizeTimestamp(*text) : std::nullopt;
  if (!normalized) {
    AddFieldError(errors, pointer,
                  "must be a date (2024-05-01) or a UTC timestamp "
                  "(2024-05-01T12:00:00Z)");
  }
  return normalized;
}

}  // namespace

std::optional<std::string> NormalizeTimestamp(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!Digits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, month) ||
      s[7] != '-' || !Digits(s, 8, 2, day)) {
    return std::nullopt;
  }
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, hour) || s.size() < 20 ||
        s[13] != ':' || !Digits(s, 14, 2, minute) || s[16] != ':' || !Digits(s, 17, 2, second)) {
      return std::nullopt;
    }
    std::size_t at = 19;
    if (at < s.size() && s[at] == '.') {
      ++at;
      int scale = 100;
      const std::size_t start = at;
      while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
        if (at - start >= 3) {
          return std::nullopt;  // below a millisecond: the shop's timestamps cannot say it
        }
        millis += (s[at] - '0') * scale;
        scale /= 10;
        ++at;
      }
      if (at == start) {
        return std::nullopt;
      }
    }
    if (at + 1 != s.size() || (s[at] != 'Z' && s[at] != 'z')) {
      return std::nullopt;  // UTC only: the stored timestamps are UTC
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  char out[96];  // room for any int, so that -Wformat-truncation can prove it fits
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day, hour,
                minute, second, millis);
  return std::string(out);
}

ReportRequest ParseReportRequest(const boost::json::value& body, bool test_types,
                                 FieldErrors& errors) {
  ReportRequest request;
  const auto* object = body.if_object();
  if (object == nullptr) {
    AddFieldError(errors, "",
                  "the body must be a JSON object like "
                  R"({"type":"sales_by_category","from":"2024-05-01","to":"2024-06-01"})");
    return request;
  }
  for (const auto& [key, value] : *object) {
    if (key != "type" && key != "from" && key != "to") {
      AddFieldError(errors, "/" + std::string(key), "not a report member; allowed: type, from, to");
    }
  }
  const std::string supported =
      test_types ? std::string(kSalesByCategory) + ", " + std::string(kAlwaysFail)
                 : std::string(kSalesByCategory);
  if (const auto* type = object->if_contains("type"); type == nullptr) {
    AddFieldError(errors, "/type", "required; supported: " + supported);
  } else if (const auto* name = type->if_string(); name == nullptr) {
    AddFieldError(errors, "/type", "must be a string; supported: " + supported);
  } else if (*name == kSalesByCategory || (test_types && *name == kAlwaysFail)) {
    request.type = std::string(*name);
  } else {
    AddFieldError(errors, "/type",
                  "unknown report type \"" + std::string(*name) + "\"; supported: " + supported);
  }
  auto from = ReadBound(*object, "from", errors);
  auto to = ReadBound(*object, "to", errors);
  if (from && to) {
    if (*from >= *to) {
      AddFieldError(errors, "/to", "must be later than from (the period is [from, to))");
    }
    request.from = std::move(*from);
    request.to = std::move(*to);
  }
  return request;
}

ReportView ViewOf(const Report& report, const std::optional<keel::jobs::JobRecord>& job) {
  ReportView view{.report = report,
                  .status = report.status,
                  .progress = report.progress,
                  .error = report.error,
                  .attempt = report.attempt};
  if (job) {
    view.attempt = job->attempt;
    view.max_attempts = job->max_attempts;
  }
  if (report.status == "succeeded") {
    view.progress = 100;
    view.error.clear();
    return view;
  }
  if (report.status == "failed" || !job) {
    return view;
  }
  using keel::jobs::JobState;
  switch (job->state) {
    case JobState::kDiscarded:
    case JobState::kCancelled:
      view.status = "failed";
      view.error = job->last_error.empty() ? "the report job was discarded" : job->last_error;
      break;
    case JobState::kRunning:
      view.status = "running";
      view.error = job->last_error;
      break;
    case JobState::kAvailable:
    case JobState::kScheduled:
    case JobState::kRetryable:
      view.status = "queued";  // first run or waiting for a retry (attempt and error say which)
      view.error = job->last_error;
      break;
    case JobState::kCompleted:
      break;  // the handler wrote the row's final status with its last write
  }
  return view;
}

std::string ReportLocation(std::int64_t id) {
  return "/v1/reports/" + std::to_string(id);
}

std::string ViewJson(const ReportView& view) {
  std::string body;
  body.reserve(320);
  JsonWriter w(body);
  w.BeginObject();
  w.Key("id");
  w.Int(view.report.id);
  w.Key("type");
  w.String(view.report.type);
  w.Key("from");
  w.String(view.report.from);
  w.Key("to");
  w.String(view.report.to);
  w.Key("status");
  w.String(view.status);
  w.Key("progress");
  w.Int(view.progress);
  w.Key("attempt");
  w.Int(view.attempt);
  w.Key("error");
  view.error.empty() ? w.Null() : w.String(view.error);
  w.Key("result_url");
  if (view.status == "succeeded") {
    w.String(ReportLocation(view.report.id) + "/result");
  } else {
    w.Null();
  }
  w.Key("created_at");
  w.String(view.report.created_at);
  w.Key("finished_at");
  view.report.finished_at.empty() ? w.Null() : w.String(view.report.finished_at);
  w.EndObject();
  return body;
}

std::string SalesResultJson(const Report& report, const std::vector<CategorySales>& categories,
                            std::int64_t orders, std::string_view generated_at) {
  std::string body;
  body.reserve(256 + categories.size() * 96);
  JsonWriter w(body);
  CategorySales total;
  w.BeginObject();
  w.Key("report_id");
  w.Int(report.id);
  w.Key("type");
  w.String(report.type);
  w.Key("from");
  w.String(report.from);
  w.Key("to");
  w.String(report.to);
  w.Key("generated_at");
  w.String(generated_at);
  w.Key("categories");
  w.BeginArray();
  for (const auto& c : categories) {
    w.BeginObject();
    w.Key("category");
    w.String(c.category);
    w.Key("orders");
    w.Int(c.orders);
    w.Key("units");
    w.Int(c.units);
    w.Key("revenue_cents");
    w.Int(c.revenue_cents);
    w.EndObject();
    total.units += c.units;
    total.revenue_cents += c.revenue_cents;
  }
  w.EndArray();
  w.Key("totals");
  w.BeginObject();
  w.Key("orders");
  w.Int(orders);
  w.Key("units");
  w.Int(total.units);
  w.Key("revenue_cents");
  w.Int(total.revenue_cents);
  w.EndObject();
  w.EndObject();
  return body;
}

int ProgressOf(std::int64_t first, std::int64_t last, std::int64_t cursor) noexcept {
  if (last <= first) {
    return 99;
  }
  const double done = static_cast<double>(cursor - first) / static_cast<double>(last - first);
  const int percent = static_cast<int>(done * 100.0);
  return percent < 0 ? 0 : (percent > 99 ? 99 : percent);
}

}  // namespace shop::reports
