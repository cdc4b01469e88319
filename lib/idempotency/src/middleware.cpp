#include "keel/idempotency/middleware.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <exception>
#include <optional>
#include <utility>

#include "keel/http/problem.hpp"

namespace keel::idempotency {

namespace asio = boost::asio;
using http::Request;
using http::RequestContext;
using http::Response;

struct IdempotencyMiddleware::Metrics {
  explicit Metrics(MetricSink* sink)
      : sink_(sink != nullptr ? *sink : own_),
        started(OutcomeCounter("started")),
        taken_over(OutcomeCounter("taken_over")),
        replayed(OutcomeCounter("replayed")),
        mismatch(OutcomeCounter("mismatch")),
        in_flight(OutcomeCounter("in_flight")),
        missing(OutcomeCounter("missing")),
        invalid(OutcomeCounter("invalid")),
        store_error(OutcomeCounter("store_error")),
        stored(ResultCounter("stored")),
        stored_in_tx(ResultCounter("stored_in_tx")),
        released(ResultCounter("released")),
        lease_lost(ResultCounter("lease_lost")),
        record_error(ResultCounter("error")) {}

  Counter& OutcomeCounter(const char* outcome) {
    return sink_.GetCounter("keel_idempotency_requests_total",
                            "Requests carrying (or missing) an Idempotency-Key, by outcome",
                            {{"outcome", outcome}});
  }
  Counter& ResultCounter(const char* result) {
    return sink_.GetCounter("keel_idempotency_results_total",
                            "What became of the responses of keyed requests", {{"result", result}});
  }

  DiscardingMetricSink own_;
  MetricSink& sink_;
  Counter &started, &taken_over, &replayed, &mismatch, &in_flight, &missing, &invalid, &store_error;
  Counter &stored, &stored_in_tx, &released, &lease_lost, &record_error;
};

namespace {
bool IsSafe(http::Method m) noexcept {
  return m == http::Method::kGet || m == http::Method::kHead || m == http::Method::kOptions ||
         m == http::Method::kTrace;
}

// Runs detached after a handler was cancelled (its coroutine can no longer await): the retry
// then runs again instead of waiting for the lock timeout. Guarded by the token, so it cannot
// undo a result the handler's transaction stored.
asio::awaitable<void> ReleaseDetached(IdempotencyStore& store, KeyLease lease, Deadline deadline) {
  const data::CallOptions options{.deadline = deadline};
  (void)co_await store.Release(std::move(lease), options);
}
}  // namespace

IdempotencyMiddleware::IdempotencyMiddleware(const IdempotencyRecorder& recorder,
                                             MiddlewareSettings settings, MetricSink* sink)
    : recorder_(recorder),
      settings_(std::move(settings)),
      metrics_(std::make_unique<Metrics>(sink)) {
  if (!settings_.scope) {
    settings_.scope = ScopeByRemoteAddress();
  }
  if (!settings_.is_final) {
    settings_.is_final = IsFinalStatus;
  }
}

IdempotencyMiddleware::~IdempotencyMiddleware() = default;

Result<std::string> IdempotencyMiddleware::ReadKey(const Request& request) const {
  const std::size_t fields = request.headers().Count(kIdempotencyKeyHeader);
  if (fields == 0) {
    metrics_->missing.Add();
    return Error(ErrorCode::kInvalidArgument, "this operation requires an Idempotency-Key header");
  }
  auto key = fields == 1 ? ParseIdempotencyKey(*request.Header(kIdempotencyKeyHeader))
                         : Result<std::string>(Error(ErrorCode::kInvalidArgument,
                                                     "Idempotency-Key: send exactly one field"));
  if (!key) {
    metrics_->invalid.Add();
  }
  return key;
}

Response IdempotencyMiddleware::Answer(const BeginResult& begun, const RequestContext& ctx) const {
  if (begun.kind == BeginResult::Kind::kReplay) {
    metrics_->replayed.Add();
    Response replay = begun.response.ToResponse();
    replay.SetHeader(kReplayedHeader, "true");
    return replay;
  }
  if (begun.kind == BeginResult::Kind::kMismatch) {
    metrics_->mismatch.Add();
    return http::ProblemResponse(422,
                                 "this Idempotency-Key was already used for a different request (" +
                                     begun.first_method + " " + begun.first_target +
                                     " with another body); use a new key for a new request",
                                 ctx.request_id());
  }
  metrics_->in_flight.Add();
  Response busy = http::ProblemResponse(
      409, "a request with this Idempotency-Key is still being processed; retry later",
      ctx.request_id());
  busy.SetHeader("Retry-After", std::to_string(settings_.in_flight_retry_after.count()));
  return busy;
}

asio::awaitable<Response> IdempotencyMiddleware::Handle(Request& request, RequestContext& ctx,
                                                        http::Next next) {
  const bool has_key = request.headers().Count(kIdempotencyKeyHeader) != 0;
  if (IsSafe(request.method()) || (!has_key && !settings_.required)) {
    co_return co_await next(request, ctx);
  }
  Result<std::string> key = ReadKey(request);
  if (!key) {
    co_return http::ErrorResponse(key.error(), ctx.request_id());
  }
  KeyRef ref{settings_.scope(request, ctx), std::move(*key)};
  const data::CallOptions options{.deadline = ctx.deadline(), .stages = &ctx.stages()};
  auto begun = co_await recorder_.store().Begin(
      std::move(ref), FingerprintRequest(request.method_text(), request.target(), request.body()),
      options);
  if (!begun) {
    metrics_->store_error.Add();
    co_return http::ErrorResponse(begun.error(), ctx.request_id());
  }
  if (begun->kind != BeginResult::Kind::kStarted) {
    co_return Answer(*begun, ctx);
  }
  (begun->took_over ? metrics_->taken_over : metrics_->started).Add();
  co_return co_await RunLocked(request, ctx, next, std::move(begun->lease));
}

asio::awaitable<Response> IdempotencyMiddleware::RunLocked(Request& request, RequestContext& ctx,
                                                           http::Next next, KeyLease lease) {
  const auto executor = co_await asio::this_coro::executor;
  const auto registration = recorder_.Register(ctx, lease);
  std::optional<Response> response;
  std::exception_ptr failure;
  try {
    response = co_await next(request, ctx);
  } catch (...) {
    failure = std::current_exception();  // a throwing handler, or its waits cancelled (deadline)
  }
  if (failure) {
    metrics_->released.Add();
    asio::co_spawn(executor,
                   ReleaseDetached(recorder_.store(), std::move(lease),
                                   Deadline::After(settings_.record_timeout)),
                   asio::detached);
    std::rethrow_exception(failure);
  }
  co_await Record(lease, registration->completed_status(), *response);
  co_return std::move(*response);
}

asio::awaitable<void> IdempotencyMiddleware::Record(const KeyLease& lease, int completed_in_tx,
                                                    const Response& response) {
  // Its own budget: the handler's work is done, and a record left locked would turn every retry
  // into a 409 until the lock timeout.
  const data::CallOptions options{.deadline = Deadline::After(settings_.record_timeout)};
  if (completed_in_tx != 0 && completed_in_tx == response.status()) {
    metrics_->stored_in_tx.Add();
    co_return;
  }
  if (!settings_.is_final(response.status())) {
    auto released = co_await recorder_.store().Release(lease, options);
    (released ? metrics_->released : metrics_->record_error).Add();
    co_return;
  }
  auto stored = co_await recorder_.store().Complete(lease, recorder_.ToStored(response), options);
  if (!stored) {
    metrics_->record_error.Add();
  } else {
    (*stored ? metrics_->stored : metrics_->lease_lost).Add();
  }
}

}  // namespace keel::idempotency
