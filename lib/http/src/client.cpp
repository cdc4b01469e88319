#include "keel/http/client.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/this_coro.hpp>
#include <stdexcept>

#include "client_connection.hpp"
#include "client_pool.hpp"
#include "keel/core/with_deadline.hpp"
#include "keel/http/headers.hpp"

namespace keel::http {

namespace asio = boost::asio;

std::optional<std::string_view> ClientResponse::Header(std::string_view name) const noexcept {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

std::string Origin::HostHeader() const {
  return host + ":" + std::to_string(port);
}

Result<Origin> ParseOrigin(std::string_view url) {
  auto bad = [url](std::string_view why) {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid upstream URL '" + std::string(url) + "': " + std::string(why));
  };
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return bad("must start with http://");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return bad("expected http://host[:port] without path, query or credentials");
  }
  Origin o;
  std::size_t colon = rest.rfind(':');
  if (rest.front() == '[') {  // [v6]:port
    const auto close = rest.find(']');
    if (close == std::string_view::npos) {
      return bad("unterminated IPv6 address");
    }
    colon = close + 1 < rest.size() ? close + 1 : std::string_view::npos;
    if (colon != std::string_view::npos && rest[colon] != ':') {
      return bad("garbage after the IPv6 address");
    }
  }
  o.host = std::string(rest.substr(0, colon));
  if (colon != std::string_view::npos) {
    const auto port = rest.substr(colon + 1);
    unsigned value = 0;
    if (port.empty() || port.size() > 5) {
      return bad("invalid port");
    }
    for (char c : port) {
      if (c < '0' || c > '9') {
        return bad("invalid port");
      }
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) {
      return bad("port out of range");
    }
    o.port = static_cast<std::uint16_t>(value);
  }
  if (o.host.empty()) {
    return bad("empty host");
  }
  return o;
}

bool IsIdempotent(const ClientRequest& request) noexcept {
  switch (request.method) {
    case Method::kGet:
    case Method::kHead:
    case Method::kPut:
    case Method::kDelete:
    case Method::kOptions:
    case Method::kTrace:
      return true;
    default:
      break;
  }
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoreCase(name, "idempotency-key") && !value.empty()) {
      return true;
    }
  }
  return false;
}

class Client::Impl {
 public:
  Impl(ClientSettings settings, std::vector<asio::io_context*> contexts, MetricSink& sink) {
    auto origin = ParseOrigin(settings.url);
    if (!origin) {
      throw std::invalid_argument(origin.error().message());
    }
    shared_ = std::make_shared<ClientShared>(std::move(settings), *origin, sink);
    for (auto* io : contexts) {
      pools_.push_back(std::make_shared<ClientPool>(*io, shared_));
    }
  }
  ~Impl() {
    for (auto& p : pools_) {
      p->Shutdown();
    }
  }

  ClientPool* PoolFor(asio::execution_context& ctx) const noexcept {
    for (const auto& p : pools_) {
      if (static_cast<asio::execution_context*>(&p->io()) == &ctx) {
        return p.get();
      }
    }
    return nullptr;
  }

  asio::awaitable<Result<ClientResponse>> Send(const ClientRequest& request, Deadline deadline);

  std::shared_ptr<ClientShared> shared_;
  std::vector<std::shared_ptr<ClientPool>> pools_;

 private:
  asio::awaitable<ExchangeOutcome> Attempt(ClientPool& pool, const ClientRequest& request,
                                           Deadline deadline, bool& reused);
};

// One connection acquisition and exchange, bounded by the deadline.
asio::awaitable<ExchangeOutcome> Client::Impl::Attempt(ClientPool& pool,
                                                       const ClientRequest& request,
                                                       Deadline deadline, bool& reused) {
  ExchangeOutcome out;
  const auto wait_started = std::chrono::steady_clock::now();
  auto lease = co_await pool.Acquire(deadline);
  const auto now = std::chrono::steady_clock::now();
  shared_->metrics.pool_wait->Record(now - wait_started);
  if (!lease) {
    out.response = std::move(lease).error();
    co_return out;
  }
  reused = lease->connection().reused;
  const auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline.Remaining(now)).count();
  if (remaining <= 0) {
    out.response = Error(ErrorCode::kDeadlineExceeded, "deadline passed before sending");
    co_return out;
  }
  auto bytes = SerializeRequest(request, shared_->host_header,
                                shared_->settings.send_request_timeout ? remaining : 0);
  if (!bytes) {
    lease->Release(true);  // nothing was sent: the connection is intact
    out.response = std::move(bytes).error();
    co_return out;
  }
  auto raced = co_await WithDeadline(
      deadline,
      Exchange(lease->connection(), *bytes, request.method == Method::kHead, shared_->limits));
  if (!raced) {
    out.response = Error(ErrorCode::kDeadlineExceeded,
                         "no complete response from " + shared_->settings.name + " in time");
    co_return out;  // the lease closes the half-used connection
  }
  out = std::move(raced).value();
  if (out.response.ok()) {
    lease->Release(out.reusable);
  }
  co_return out;
}

asio::awaitable<Result<ClientResponse>> Client::Impl::Send(const ClientRequest& request,
                                                           Deadline deadline) {
  const auto started = std::chrono::steady_clock::now();
  deadline = deadline.TightenBy(shared_->settings.timeout, started);
  auto& ctx = asio::query(co_await asio::this_coro::executor,
                          asio::execution::context_as<asio::execution_context&>);
  ClientPool* pool = PoolFor(ctx);
  if (pool == nullptr) {
    co_return Error(ErrorCode::kInternal,
                    "http client '" + shared_->settings.name + "' has no pool for this thread");
  }
  bool reused = false;
  auto outcome = co_await Attempt(*pool, request, deadline, reused);
  // A pooled connection the upstream closed while idle fails before any response byte; the
  // request never reached a handler or, for an idempotent one, repeating it is harmless.
  if (!outcome.response.ok() && reused && outcome.nothing_received &&
      outcome.response.error().code() == ErrorCode::kUnavailable && IsIdempotent(request)) {
    outcome = co_await Attempt(*pool, request, deadline, reused);
  }
  auto& m = shared_->metrics;
  m.duration->Record(std::chrono::steady_clock::now() - started);
  if (outcome.response.ok()) {
    m.CountStatus(outcome.response->status);
  } else {
    m.CountError(outcome.response.error().code());
  }
  co_return std::move(outcome.response);
}

Client::Client(ClientSettings settings, std::vector<asio::io_context*> contexts, MetricSink& sink)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(contexts), sink)) {}

namespace {
std::vector<asio::io_context*> ContextsOf(Runtime& runtime) {
  std::vector<asio::io_context*> out;
  for (std::size_t i = 0; i < runtime.size(); ++i) {
    out.push_back(&runtime.Context(i));
  }
  return out;
}
}  // namespace

Client::Client(ClientSettings settings, Runtime& runtime, MetricSink& sink)
    : Client(std::move(settings), ContextsOf(runtime), sink) {}

Client::~Client() = default;

asio::awaitable<Result<ClientResponse>> Client::Send(const ClientRequest& request,
                                                     Deadline deadline) {
  return impl_->Send(request, deadline);
}

const ClientSettings& Client::settings() const noexcept {
  return impl_->shared_->settings;
}
const Origin& Client::origin() const noexcept {
  return impl_->shared_->origin;
}

Client::PoolStats Client::StatsForThisThread(asio::io_context& io) const {
  auto* pool = impl_->PoolFor(io);
  return pool != nullptr ? pool->Stats() : PoolStats{};
}

}  // namespace keel::http
