#include "keel/resilience/http/dependency_client.hpp"

#include <charconv>
#include <stdexcept>

#include "keel/resilience/hedging.hpp"
#include "keel/resilience/retry_budget.hpp"

namespace keel::resilience {

namespace asio = boost::asio;
using http::ClientRequest;
using http::ClientResponse;

namespace {

// Retry-After as delta-seconds (the HTTP-date form is not worth a parser here).
std::optional<std::chrono::seconds> RetryAfterOf(const ClientResponse& r) {
  const auto v = r.Header("Retry-After");
  if (!v) {
    return std::nullopt;
  }
  long long s = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), s);
  if (ec != std::errc() || p != v->data() + v->size() || s < 0) {
    return std::nullopt;
  }
  return std::chrono::seconds(s);
}

std::vector<asio::io_context*> ContextsOf(Runtime& runtime) {
  std::vector<asio::io_context*> out;
  for (std::size_t i = 0; i < runtime.size(); ++i) {
    out.push_back(&runtime.Context(i));
  }
  return out;
}

}  // namespace

Result<ClientResponse> DependencyOutcome(Result<ClientResponse> response,
                                         std::string_view dependency) {
  if (!response.ok()) {
    return Error(response.error().code(),
                 std::string(dependency) + ": " + response.error().message());
  }
  const int status = response->status;
  if (status < 500 && status != 429) {
    return response;
  }
  Error e(status == 504 ? ErrorCode::kDeadlineExceeded : ErrorCode::kUnavailable,
          std::string(dependency) + " answered " + std::to_string(status));
  if (auto after = RetryAfterOf(*response)) {
    return std::move(e).WithRetryAfter(*after);
  }
  return e;
}

class DependencyClient::Impl {
 public:
  Impl(DependencySettings s, std::vector<asio::io_context*> contexts, MetricSink& sink,
       const Clock& clock, Random& random, BreakerTransitionCallback on_transition)
      : settings_(std::move(s)),
        bulkhead_(settings_.bulkhead, sink),
        retry_budget_(settings_.retry_budget, clock),
        hedge_budget_(settings_.hedge_budget, clock),
        retry_(settings_.retry, &retry_budget_, random, clock, sink),
        hedge_(settings_.hedge, &hedge_budget_, sink) {
    if (settings_.breaker_enabled) {
      breaker_ = std::make_unique<CircuitBreaker>(settings_.breaker, clock, sink,
                                                  std::move(on_transition));
    }
    for (const auto& url : settings_.urls) {
      http::ClientSettings cs = settings_.http;
      cs.name = settings_.name;
      cs.url = url;
      cs.timeout =
          settings_.attempt_timeout.count() > 0 ? settings_.attempt_timeout : settings_.timeout;
      endpoints_.push_back(std::make_unique<http::Client>(std::move(cs), contexts, sink));
    }
    if (endpoints_.empty()) {
      throw std::invalid_argument("dependency '" + settings_.name + "' has no URL");
    }
  }

  asio::awaitable<Result<ClientResponse>> Call(const ClientRequest& request, CallOptions options);

  DependencySettings settings_;
  Bulkhead bulkhead_;
  std::unique_ptr<CircuitBreaker> breaker_;

 private:
  asio::awaitable<Result<ClientResponse>> Guarded(const ClientRequest& request,
                                                  const CallOptions& options, Deadline deadline);
  asio::awaitable<Result<ClientResponse>> Attempt(int index, const ClientRequest& request,
                                                  Deadline deadline) {
    auto& endpoint = *endpoints_[static_cast<std::size_t>(index) % endpoints_.size()];
    co_return DependencyOutcome(co_await endpoint.Send(request, deadline), settings_.name);
  }

  RetryBudget retry_budget_;
  RetryBudget hedge_budget_;
  RetryPolicy retry_;
  HedgePolicy hedge_;
  std::vector<std::unique_ptr<http::Client>> endpoints_;
};

asio::awaitable<Result<ClientResponse>> DependencyClient::Impl::Guarded(
    const ClientRequest& request, const CallOptions& options, Deadline deadline) {
  auto slot = co_await bulkhead_.Acquire(deadline);
  if (!slot) {
    co_return std::move(slot).error();
  }
  std::optional<BreakerPermit> permit;
  if (breaker_) {
    auto p = breaker_->TryAcquire();
    if (!p) {
      co_return std::move(p).error();
    }
    permit = std::move(*p);
  }
  const bool idempotent = options.idempotent.value_or(http::IsIdempotent(request));
  const bool read = request.method == http::Method::kGet || request.method == http::Method::kHead;
  const bool hedge = settings_.hedge_enabled && idempotent && read && options.hedge.value_or(true);
  auto attempt = [&](int i) { return Attempt(i, request, deadline); };
  std::optional<Result<ClientResponse>> result;
  if (hedge) {
    result = co_await RunHedged<ClientResponse>(hedge_, deadline, attempt);
  } else {
    result = co_await RunWithRetry<ClientResponse>(retry_, idempotent, deadline,
                                                   [&](int n) { return attempt(n - 1); });
  }
  if (permit) {
    result->ok() ? permit->Success() : permit->Failure(result->error());
  }
  co_return std::move(*result);
}

asio::awaitable<Result<ClientResponse>> DependencyClient::Impl::Call(const ClientRequest& request,
                                                                     CallOptions options) {
  const auto started = std::chrono::steady_clock::now();
  const Deadline deadline = options.deadline.TightenBy(settings_.timeout, started);
  std::optional<Result<ClientResponse>> result;
  if (deadline.Expired()) {
    result =
        Error(ErrorCode::kDeadlineExceeded, "deadline passed before calling " + settings_.name);
  } else {
    result = co_await Guarded(request, options, deadline);
  }
  if (options.stages != nullptr) {
    options.stages->Add(Stage::kUpstream, std::chrono::steady_clock::now() - started);
  }
  co_return std::move(*result);
}

DependencyClient::DependencyClient(DependencySettings settings,
                                   std::vector<asio::io_context*> contexts, MetricSink& sink,
                                   const Clock& clock, Random& random,
                                   BreakerTransitionCallback on_transition)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(contexts), sink, clock, random,
                                   std::move(on_transition))) {}

DependencyClient::DependencyClient(DependencySettings settings, Runtime& runtime, MetricSink& sink,
                                   const Clock& clock, Random& random,
                                   BreakerTransitionCallback on_transition)
    : DependencyClient(std::move(settings), ContextsOf(runtime), sink, clock, random,
                       std::move(on_transition)) {}

DependencyClient::~DependencyClient() = default;

asio::awaitable<Result<ClientResponse>> DependencyClient::Call(const ClientRequest& request,
                                                               CallOptions options) {
  return impl_->Call(request, options);
}

asio::awaitable<Result<ClientResponse>> DependencyClient::Call(const ClientRequest& request,
                                                               http::RequestContext& context,
                                                               CallOptions options) {
  options.deadline = options.deadline.Tighten(context.deadline());
  if (options.stages == nullptr) {
    options.stages = &context.stages();
  }
  return impl_->Call(request, options);
}

const DependencySettings& DependencyClient::settings() const noexcept {
  return impl_->settings_;
}
CircuitBreaker* DependencyClient::breaker() noexcept {
  return impl_->breaker_.get();
}
Bulkhead& DependencyClient::bulkhead() noexcept {
  return impl_->bulkhead_;
}

}  // namespace keel::resilience
