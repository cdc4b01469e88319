// keel/resilience/http/admission_middleware.hpp — admission control as a keel::http::Middleware.
//
// The HTTP face of AdmissionController: business requests (routes not marked `admin`) are
// admitted, queued or refused by their priority class before the handler runs; admin routes
// (health, readiness, metrics) pass untouched, so they answer even at the limit. A refusal is
// 503 problem+json with Retry-After (504 when the deadline leaves too little time for the route's
// typical service time), decided without touching the handler. Time spent queued is added to
// ctx.stages() as Stage::kQueue. A peer in `trusted_priority_peers` may set the class with
// `X-Priority: critical|default|sheddable`; anyone else's header is ignored.
//
//   auto admission = std::make_shared<keel::resilience::AdmissionMiddleware>(
//       std::make_unique<keel::resilience::FixedLimit>(64), settings, clock, sink);
//   router.Use(admission);  // before the routes it must wrap
//
// Cost: it is a synchronous middleware (keel/http/handler.hpp): leading a route's chain, as
// installed by MakeOverloadMiddleware without a rate limit, it admits in Before and releases in
// After with no coroutine frame of its own. A business request below the limit with nobody queued
// costs two clock reads, a lock-free slot claim and release and a lock-free route lookup (see
// "Cost" in docs/overload.md). Only a request that must queue runs Handle's coroutine; behind a
// coroutine middleware (a rate limit) every business request does.
//
// Thread safety: one instance serves every I/O thread. A queued request waits on a timer on its
// own coroutine's executor, which must be single-threaded (keel's io_context per thread is); it
// is woken by a post from the thread that freed the slot. The request's deadline cancellation
// ends the wait.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>

#include "keel/core/clock.hpp"
#include "keel/core/metrics.hpp"
#include "keel/http/handler.hpp"
#include "keel/resilience/admission_controller.hpp"
#include "keel/resilience/concurrency_limit.hpp"
#include "keel/resilience/ip_address.hpp"
#include "keel/resilience/service_time.hpp"

namespace keel::resilience {

struct AdmissionMiddlewareSettings {
  AdmissionSettings admission;
  bool deadline_aware = true;
  ServiceTimeSettings service_time;
  CidrSet trusted_priority_peers;
  std::chrono::seconds retry_after{1};
};

class AdmissionMiddleware final : public http::Middleware {
 public:
  // `sink` must outlive this middleware.
  AdmissionMiddleware(std::unique_ptr<ConcurrencyLimit> limit, AdmissionMiddlewareSettings settings,
                      std::shared_ptr<const Clock> clock, MetricSink& sink);

  // Not a coroutine: it returns the next layer's coroutine itself for admin routes, Admit's
  // otherwise.
  boost::asio::awaitable<http::Response> Handle(http::Request& request,
                                                http::RequestContext& context,
                                                http::Next next) override;

  // The frame-free form of Handle: admits or refuses at once; kHandle when it must queue.
  BeforeResult Before(http::Request& request, http::RequestContext& context, http::HookState& state,
                      http::Response& response) override;
  // Releases the slot and feeds the limit and the route's service time, as Handle does.
  void After(http::Request& request, http::RequestContext& context, http::Response* answered,
             http::HookState& state) noexcept override;

  [[nodiscard]] AdmissionController& controller() noexcept { return controller_; }

 private:
  // The admission decision both forms start with: the priority header, the route's service-time
  // entry, the request for the controller and TryAdmit's answer at one clock read.
  struct Decision {
    ServiceTimeTable::Entry* times = nullptr;
    AdmissionRequest ask;
    TimePoint at{};
    Admission admission;
  };
  [[nodiscard]] Decision Decide(const http::Request& request, http::RequestContext& context,
                                const http::RouteOptions* route);
  // The end of an admitted request: `answered` null when the chain failed.
  void Complete(AdmissionPermit& permit, ServiceTimeTable::Entry& times,
                const http::Response* answered) noexcept;
  boost::asio::awaitable<http::Response> Admit(http::Request& request,
                                               http::RequestContext& context, http::Next next,
                                               const http::RouteOptions* route);
  void ApplyPriorityHeader(const http::Request& request, http::RequestContext& context) const;
  boost::asio::awaitable<Admission> WaitInQueue(const AdmissionRequest& ask,
                                                http::RequestContext& context);
  [[nodiscard]] http::Response RefusalResponse(const Admission& refused,
                                               const AdmissionRequest& ask,
                                               const http::RequestContext& context) const;

  AdmissionMiddlewareSettings settings_;
  std::shared_ptr<const Clock> clock_;
  AdmissionController controller_;
  ServiceTimeTable service_times_;
};

}  // namespace keel::resilience
