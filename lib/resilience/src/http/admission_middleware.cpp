#include "keel/resilience/http/admission_middleware.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>

#include "keel/http/problem.hpp"
#include "keel/http/router.hpp"

namespace keel::resilience {

namespace asio = boost::asio;

namespace {

// A queued request's side of the wait: a timer set to its give-up time, cancelled (through a post
// to its own executor, the only thread that may touch it) when the controller wakes it.
class TimerWaiter final : public AdmissionWaiter, public std::enable_shared_from_this<TimerWaiter> {
 public:
  explicit TimerWaiter(const asio::any_io_executor& executor) : timer_(executor) {}
  asio::steady_timer& timer() noexcept { return timer_; }

 private:
  void Wake() noexcept override {
    asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
  }
  asio::steady_timer timer_;
};

// Ends the wait if the coroutine is destroyed while queued (shutdown), so the controller never
// keeps a pointer to a dead waiter.
struct FinishOnExit {
  AdmissionController& controller;
  AdmissionWaiter& waiter;
  bool armed = true;
  ~FinishOnExit() {
    if (armed) {
      (void)controller.Finish(waiter, /*cancelled=*/true);
    }
  }
};

std::string Millis(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace

AdmissionMiddleware::AdmissionMiddleware(std::unique_ptr<ConcurrencyLimit> limit,
                                         AdmissionMiddlewareSettings settings,
                                         std::shared_ptr<const Clock> clock, MetricSink& sink)
    : http::Middleware(/*synchronous=*/true),
      settings_(std::move(settings)),
      clock_(std::move(clock)),
      controller_(std::move(limit), settings_.admission, *clock_, sink),
      service_times_(settings_.service_time) {}

void AdmissionMiddleware::ApplyPriorityHeader(const http::Request& request,
                                              http::RequestContext& context) const {
  if (settings_.trusted_priority_peers.empty()) {
    return;
  }
  const auto header = request.Header("x-priority");
  if (!header) {
    return;
  }
  const auto peer = IpAddress::Parse(request.remote_address());
  if (!peer || !settings_.trusted_priority_peers.Contains(*peer)) {
    return;  // an outsider cannot promote itself
  }
  if (const auto p = ParsePriority(*header)) {
    context.set_priority(*p);
  }
}

asio::awaitable<http::Response> AdmissionMiddleware::Handle(http::Request& request,
                                                            http::RequestContext& context,
                                                            http::Next next) {
  const http::RouteOptions* route = context.route_options();
  if (route == nullptr || route->admin) {
    return next(request, context);  // no frame of ours: the next layer's coroutine itself
  }
  return Admit(request, context, next, route);
}

asio::awaitable<http::Response> AdmissionMiddleware::Admit(http::Request& request,
                                                           http::RequestContext& context,
                                                           http::Next next,
                                                           const http::RouteOptions* route) {
  Decision d = Decide(request, context, route);
  if (d.admission.kind == Admission::Kind::kMustQueue) {
    d.admission = co_await WaitInQueue(d.ask, context);
    d.at = clock_->Now();
  }
  if (d.admission.kind != Admission::Kind::kAdmitted) {
    co_return RefusalResponse(d.admission, d.ask, context);
  }
  AdmissionPermit permit(controller_, d.admission.in_flight, d.at);
  http::Response response = co_await next(request, context);
  Complete(permit, *d.times, &response);
  co_return response;
}

AdmissionMiddleware::Decision AdmissionMiddleware::Decide(const http::Request& request,
                                                          http::RequestContext& context,
                                                          const http::RouteOptions* route) {
  ApplyPriorityHeader(request, context);
  // One lock-free lookup per request serves both the refusal check and the recording after it.
  ServiceTimeTable::Entry& times = service_times_.Resolve(route);
  Decision d{.times = &times,
             .ask = {.priority = context.priority(),
                     .deadline = context.deadline(),
                     .service_time =
                         settings_.deadline_aware ? service_times_.Typical(times) : std::nullopt}};
  // One clock read for the deadline check and the permit's start.
  d.at = clock_->Now();
  d.admission = controller_.TryAdmit(d.ask, d.at);
  return d;
}

void AdmissionMiddleware::Complete(AdmissionPermit& permit, ServiceTimeTable::Entry& times,
                                   const http::Response* answered) noexcept {
  if (answered == nullptr) {
    (void)permit.Finish(/*dropped=*/true);  // the chain threw, or was cancelled or destroyed
    return;
  }
  const int status = answered->status();
  // A 503/504 from below (a pool refusing, a deadline passing) is the service saying "too much".
  const Duration took = permit.Finish(status == 503 || status == 504);
  if (status < 400) {
    service_times_.Record(times, took);
  }
}

// The same decisions as Admit, without a coroutine frame: Before claims the slot (or refuses),
// the server calls After once the chain has answered. Only queueing needs to wait, so it goes to
// Handle (TryAdmit's kMustQueue has changed nothing; Admit asks again).
http::Middleware::BeforeResult AdmissionMiddleware::Before(http::Request& request,
                                                           http::RequestContext& context,
                                                           http::HookState& state,
                                                           http::Response& response) {
  const http::RouteOptions* route = context.route_options();
  if (route == nullptr || route->admin) {
    return BeforeResult::kContinue;  // state.pointer stays null: After has nothing to do
  }
  const Decision d = Decide(request, context, route);
  switch (d.admission.kind) {
    case Admission::Kind::kAdmitted:
      state.pointer = d.times;
      state.value = d.admission.in_flight;
      state.time = d.at.time_since_epoch().count();
      return BeforeResult::kContinue;
    case Admission::Kind::kMustQueue:  // waiting needs Handle's coroutine; it decides again
    case Admission::Kind::kQueued:     // (TryAdmit never returns it)
      return BeforeResult::kHandle;
    case Admission::Kind::kRefused:
      break;
  }
  response = RefusalResponse(d.admission, d.ask, context);
  return BeforeResult::kAnswered;
}

void AdmissionMiddleware::After(http::Request& /*request*/, http::RequestContext& /*context*/,
                                http::Response* answered, http::HookState& state) noexcept {
  if (state.pointer == nullptr) {
    return;  // an admin route
  }
  AdmissionPermit permit(controller_, static_cast<int>(state.value),
                         TimePoint(Duration(state.time)));
  Complete(permit, *static_cast<ServiceTimeTable::Entry*>(state.pointer), answered);
}

asio::awaitable<Admission> AdmissionMiddleware::WaitInQueue(const AdmissionRequest& ask,
                                                            http::RequestContext& context) {
  auto waiter = std::make_shared<TimerWaiter>(co_await asio::this_coro::executor);
  const TimePoint enqueued = clock_->Now();
  Admission admission = controller_.Enqueue(*waiter, ask);
  if (admission.kind != Admission::Kind::kQueued) {
    co_return admission;
  }
  FinishOnExit guard{controller_, *waiter};
  waiter->timer().expires_at(waiter->give_up_at());
  co_await waiter->timer().async_wait(asio::as_tuple(asio::use_awaitable));
  // Woken (granted or pushed out), timed out, or cancelled by the request's deadline: the
  // controller's state says which; only the last shows in the coroutine's cancellation state.
  const auto state = co_await asio::this_coro::cancellation_state;
  const bool cancelled = state.cancelled() != asio::cancellation_type::none;
  context.stages().Add(Stage::kQueue, clock_->Now() - enqueued);
  guard.armed = false;
  co_return controller_.Finish(*waiter, cancelled);
}

http::Response AdmissionMiddleware::RefusalResponse(const Admission& refused,
                                                    const AdmissionRequest& ask,
                                                    const http::RequestContext& context) const {
  std::string detail;
  switch (refused.reason) {
    case Refusal::kDeadline:
      detail = ask.service_time
                   ? "the request's remaining deadline is shorter than this route's typical "
                     "service time (" +
                         Millis(*ask.service_time) + ")"
                   : "the request's deadline passed while it waited for admission";
      return http::ErrorResponse(Error(ErrorCode::kDeadlineExceeded, std::move(detail)),
                                 context.request_id());
    case Refusal::kLimit:
      detail = "overloaded: the concurrency limit is reached and the admission queue is full";
      break;
    case Refusal::kQueueTimeout:
      detail = "overloaded: no capacity became free while the request waited for admission";
      break;
    case Refusal::kPriority:
      detail =
          "overloaded: the remaining capacity is reserved for more important requests "
          "(this one is " +
          std::string(PriorityName(ask.priority)) + ")";
      break;
  }
  return http::ErrorResponse(
      Error(ErrorCode::kOverloaded, std::move(detail)).WithRetryAfter(settings_.retry_after),
      context.request_id());
}

}  // namespace keel::resilience
