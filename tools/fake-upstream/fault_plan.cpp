#include "fault_plan.hpp"

#include <algorithm>

namespace fake_upstream {

namespace json = boost::json;
using keel::Error;
using keel::ErrorCode;

namespace {

keel::Result<double> Number(const json::value& v, std::string_view field, double lo, double hi) {
  double d = 0;
  if (v.is_double()) {
    d = v.get_double();
  } else if (v.is_int64()) {
    d = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    d = static_cast<double>(v.get_uint64());
  } else {
    return Error(ErrorCode::kInvalidArgument, std::string(field) + " must be a number");
  }
  if (d < lo || d > hi) {
    return Error(ErrorCode::kInvalidArgument, std::string(field) + " must be in [" +
                                                  std::to_string(lo) + ", " + std::to_string(hi) +
                                                  "]");
  }
  return d;
}

// Reads {"<field>": {"<key>": number, ...}} members into `out` fields.
struct Field {
  const char* name;
  double* out;
  double lo;
  double hi;
};
keel::Result<void> ReadSection(const json::object& control, const char* section,
                               std::initializer_list<Field> fields) {
  const auto* v = control.if_contains(section);
  if (v == nullptr) {
    return {};
  }
  const auto* obj = v->if_object();
  if (obj == nullptr) {
    return Error(ErrorCode::kInvalidArgument, std::string(section) + " must be an object");
  }
  for (const auto& [key, value] : *obj) {
    const auto* f =
        std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return key == f.name; });
    if (f == fields.end()) {
      return Error(ErrorCode::kInvalidArgument,
                   "unknown field " + std::string(section) + "." + std::string(key));
    }
    auto n = Number(value, std::string(section) + "." + f->name, f->lo, f->hi);
    if (!n) {
      return std::move(n).error();
    }
    *f->out = *n;
  }
  return {};
}

keel::Result<RoutePlan> ParsePlan(const json::object& c) {
  RoutePlan p;
  double status = 503, retry_after = -1;
  constexpr double kMaxMs = 3600e3;
  for (const auto& r : {
           ReadSection(c, "latency",
                       {{"fixed_ms", &p.fixed_ms, 0, kMaxMs},
                        {"mean_ms", &p.mean_ms, 0, kMaxMs},
                        {"sd_ms", &p.sd_ms, 0, kMaxMs}}),
           ReadSection(c, "slow", {{"p", &p.slow_p, 0, 1}, {"ms", &p.slow_ms, 0, kMaxMs}}),
           ReadSection(c, "error",
                       {{"p", &p.error_p, 0, 1},
                        {"status", &status, 400, 599},
                        {"retry_after", &retry_after, -1, 3600}}),
           ReadSection(c, "hang", {{"p", &p.hang_p, 0, 1}}),
           ReadSection(c, "reset", {{"p", &p.reset_p, 0, 1}}),
       }) {
    if (!r) {
      return r.error();
    }
  }
  p.error_status = static_cast<int>(status);
  p.retry_after = static_cast<int>(retry_after);
  return p;
}

json::object PlanJson(const RoutePlan& p) {
  return {{"latency", {{"fixed_ms", p.fixed_ms}, {"mean_ms", p.mean_ms}, {"sd_ms", p.sd_ms}}},
          {"slow", {{"p", p.slow_p}, {"ms", p.slow_ms}}},
          {"error", {{"p", p.error_p}, {"status", p.error_status}, {"retry_after", p.retry_after}}},
          {"hang", {{"p", p.hang_p}}},
          {"reset", {{"p", p.reset_p}}}};
}

}  // namespace

FaultPlan::FaultPlan(std::vector<std::string> routes, std::uint64_t seed) : rng_(seed) {
  for (auto& r : routes) {
    plans_[r] = RoutePlan{};
    stats_[r] = RouteStats{};
  }
}

Action FaultPlan::Next(std::string_view route, std::int64_t request_timeout_ms) {
  std::lock_guard lock(mu_);
  auto plan_it = plans_.find(route);
  const RoutePlan plan = plan_it == plans_.end() ? RoutePlan{} : plan_it->second;
  RouteStats& st = stats_[std::string(route)];
  ++st.requests;
  st.last_request_timeout_ms = request_timeout_ms;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Action a;
  double ms = plan.fixed_ms;
  if (plan.sd_ms > 0 || plan.mean_ms > 0) {
    ms += std::max(0.0, std::normal_distribution<double>(plan.mean_ms, plan.sd_ms)(rng_));
  }
  if (plan.slow_p > 0 && u(rng_) < plan.slow_p) {
    ms += plan.slow_ms;
    ++st.slow;
  }
  a.delay = std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000));
  // One draw decides among the failure modes, so their shares add up as configured.
  const double fate = u(rng_);
  if (fate < plan.hang_p) {
    a.hang = true;
    ++st.hangs;
  } else if (fate < plan.hang_p + plan.reset_p) {
    a.reset = true;
    ++st.resets;
  } else if (fate < plan.hang_p + plan.reset_p + plan.error_p) {
    a.error_status = plan.error_status;
    a.retry_after = plan.retry_after;
    ++st.errors;
  }
  return a;
}

keel::Result<void> FaultPlan::Apply(const json::object& control) {
  constexpr std::string_view kKnown[] = {"route", "latency", "slow",       "error",
                                         "hang",  "reset",   "reset_stats"};
  for (const auto& [key, value] : control) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return Error(ErrorCode::kInvalidArgument, "unknown field " + std::string(key));
    }
  }
  std::lock_guard lock(mu_);
  if (const auto* reset = control.if_contains("reset_stats");
      reset && reset->is_bool() && reset->get_bool()) {
    for (auto& [name, st] : stats_) {
      st = RouteStats{};
    }
  }
  const auto* route = control.if_contains("route");
  if (route == nullptr) {
    return {};
  }
  if (!route->is_string()) {
    return Error(ErrorCode::kInvalidArgument, "route must be a string");
  }
  const std::string name(route->get_string());
  if (name != "*" && !plans_.contains(name)) {
    return Error(ErrorCode::kInvalidArgument, "unknown route '" + name + "'");
  }
  auto plan = ParsePlan(control);
  if (!plan) {
    return std::move(plan).error();
  }
  for (auto& [n, p] : plans_) {
    if (name == "*" || n == name) {
      p = *plan;
    }
  }
  return {};
}

json::object FaultPlan::PlansJson() const {
  std::lock_guard lock(mu_);
  json::object out;
  for (const auto& [name, plan] : plans_) {
    out[name] = PlanJson(plan);
  }
  return out;
}

json::object FaultPlan::StatsJson() const {
  std::lock_guard lock(mu_);
  json::object routes;
  std::uint64_t total = 0;
  for (const auto& [name, st] : stats_) {
    routes[name] = {
        {"requests", st.requests}, {"errors", st.errors},
        {"hangs", st.hangs},       {"resets", st.resets},
        {"slow", st.slow},         {"last_request_timeout_ms", st.last_request_timeout_ms}};
    total += st.requests;
  }
  return {{"routes", std::move(routes)}, {"total", total}};
}

}  // namespace fake_upstream
