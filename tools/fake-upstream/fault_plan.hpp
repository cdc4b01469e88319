// fault_plan.hpp — what fake-upstream does to each request of a route, changeable at runtime.
//
// A route's plan is a latency distribution (none, fixed, or normal(mean, sd) clamped at 0) plus a
// share of slow responses, and the shares of requests that fail with a status, hang (no answer
// until the caller gives up) or are reset (the connection is closed without a valid response).
// Plans are set by POST /_control and read by GET /_control; every request is counted per route
// for GET /_stats, so tests can count exactly how many requests reached the "third party".
//
// Thread safety: every member may be called from any I/O thread (one mutex, never held across
// a wait). Randomness comes from one seeded generator (--set fake.seed=N reproduces a run).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/error.hpp"

namespace fake_upstream {

struct RoutePlan {
  double fixed_ms = 0;  // latency added to every request
  double mean_ms = 0;   // normal(mean, sd), when sd > 0
  double sd_ms = 0;
  double slow_p = 0;  // share of requests delayed by slow_ms on top
  double slow_ms = 0;
  double error_p = 0;  // share answered with error_status
  int error_status = 503;
  int retry_after = -1;  // Retry-After on errors (seconds), -1: none
  double hang_p = 0;     // share never answered (until the caller's deadline)
  double reset_p = 0;    // share closed without a valid response
};

// What to do with one request.
struct Action {
  std::chrono::microseconds delay{0};
  bool hang = false;
  bool reset = false;
  int error_status = 0;  // 0: answer normally
  int retry_after = -1;
};

struct RouteStats {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::uint64_t hangs = 0;
  std::uint64_t resets = 0;
  std::uint64_t slow = 0;
  std::int64_t last_request_timeout_ms = -1;  // X-Request-Timeout of the last request, -1: none
};

class FaultPlan {
 public:
  FaultPlan(std::vector<std::string> routes, std::uint64_t seed);

  // Counts the request and draws its fate.
  [[nodiscard]] Action Next(std::string_view route, std::int64_t request_timeout_ms);

  // Applies one control document ({"route": "payments" | "*", ...plan fields...} and/or
  // {"reset_stats": true}); kInvalidArgument naming the bad field.
  [[nodiscard]] keel::Result<void> Apply(const boost::json::object& control);
  [[nodiscard]] boost::json::object PlansJson() const;
  [[nodiscard]] boost::json::object StatsJson() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, RoutePlan, std::less<>> plans_;
  std::map<std::string, RouteStats, std::less<>> stats_;
  std::mt19937_64 rng_;
};

}  // namespace fake_upstream
