// keel/http/context.hpp — per-request state that travels with a request through middleware.
//
// Holds the request id, the deadline every wait must respect, the latency-budget account and the
// matched route. Owned by the connection; valid until the response is written.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "keel/core/deadline.hpp"
#include "keel/core/priority.hpp"
#include "keel/core/stage_account.hpp"

namespace keel::http {

struct RouteOptions;

class RequestContext {
 public:
  static constexpr std::size_t kMaxRequestIdLength = 64;

  [[nodiscard]] std::string_view request_id() const noexcept {
    return std::string_view(request_id_, request_id_length_);
  }
  [[nodiscard]] Deadline deadline() const noexcept { return deadline_; }
  // Deadlines only tighten (a client's deadline header, a route budget).
  void TightenDeadline(Deadline d) noexcept { deadline_ = deadline_.Tighten(d); }
  [[nodiscard]] StageAccount& stages() noexcept { return stages_; }
  [[nodiscard]] const StageAccount& stages() const noexcept { return stages_; }
  // The matched route template ("/v1/products/{id:int}"), "<unmatched>" before/without a match.
  [[nodiscard]] std::string_view route() const noexcept { return route_; }
  // The matched route's options (null when unmatched).
  [[nodiscard]] const RouteOptions* route_options() const noexcept { return route_options_; }
  // Admission class of this request: the route's, possibly changed by a middleware (e.g. for a
  // trusted internal caller's priority header).
  [[nodiscard]] Priority priority() const noexcept { return priority_; }
  void set_priority(Priority p) noexcept { priority_ = p; }

  // Used by the server (not for handlers).
  void Reset(std::string_view request_id, Deadline deadline) noexcept {
    request_id_length_ = std::min(request_id.size(), kMaxRequestIdLength);
    std::copy_n(request_id.data(), request_id_length_, request_id_);
    deadline_ = deadline;
    stages_.Reset();
    route_ = "<unmatched>";
    route_options_ = nullptr;
    priority_ = Priority::kDefault;
  }
  void set_route(std::string_view route, const RouteOptions* options, Priority priority) noexcept {
    route_ = route;
    route_options_ = options;
    priority_ = priority;
  }

 private:
  // Inline storage: a request id never costs an allocation.
  char request_id_[kMaxRequestIdLength] = {};
  std::size_t request_id_length_ = 0;
  Deadline deadline_ = Deadline::Never();
  StageAccount stages_;
  std::string_view route_ = "<unmatched>";
  const RouteOptions* route_options_ = nullptr;
  Priority priority_ = Priority::kDefault;
};

}  // namespace keel::http
