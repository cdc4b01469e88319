#include "client_pool.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "keel/core/with_deadline.hpp"

namespace keel::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
}  // namespace

ClientMetrics::ClientMetrics(MetricSink& sink, const std::string& dependency) {
  const MetricLabels labels{{"dependency", dependency}};
  auto state = [&](const char* s) -> Gauge* {
    return &sink.GetGauge("keel_http_client_connections",
                          "Client connections to a dependency by state (all I/O threads)",
                          {{"dependency", dependency}, {"state", s}});
  };
  in_use = state("in_use");
  idle = state("idle");
  pool_wait =
      &sink.GetHistogram("keel_http_client_pool_wait_seconds",
                         "Time to obtain a connection: idle, newly connected or released", labels);
  duration = &sink.GetHistogram("keel_http_client_request_duration_seconds",
                                "Client request duration, pool wait to last body byte", labels);
  opened = &sink.GetCounter("keel_http_client_connections_opened_total",
                            "Client connections established", labels);
  reused = &sink.GetCounter("keel_http_client_connections_reused_total",
                            "Requests sent on a pooled keep-alive connection", labels);
  auto error = [&](ErrorCode code) {
    return &sink.GetCounter("keel_http_client_errors_total", "Failed client requests by kind",
                            {{"dependency", dependency}, {"kind", ErrorCodeName(code)}});
  };
  unavailable = error(ErrorCode::kUnavailable);
  deadline_exceeded = error(ErrorCode::kDeadlineExceeded);
  overloaded = error(ErrorCode::kOverloaded);
  cancelled = error(ErrorCode::kCancelled);
  other_error = error(ErrorCode::kInternal);
  for (int i = 0; i < 5; ++i) {
    by_status_class[i] =
        &sink.GetCounter("keel_http_client_responses_total", "Responses received by status class",
                         {{"dependency", dependency}, {"class", std::to_string(i + 1) + "xx"}});
  }
}

void ClientMetrics::CountError(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kUnavailable:
      unavailable->Add();
      break;
    case ErrorCode::kDeadlineExceeded:
      deadline_exceeded->Add();
      break;
    case ErrorCode::kOverloaded:
      overloaded->Add();
      break;
    case ErrorCode::kCancelled:
      cancelled->Add();
      break;
    default:
      other_error->Add();
  }
}

void ClientMetrics::CountStatus(int status) noexcept {
  if (status >= 100 && status < 600) {
    by_status_class[status / 100 - 1]->Add();
  }
}

ClientLease::~ClientLease() {
  if (conn_) {
    pool_->Return(std::move(conn_), false);
  }
}

void ClientLease::Release(bool reusable) {
  pool_->Return(std::move(conn_), reusable);
}

ClientPool::Waiter::~Waiter() {
  auto& w = pool.waiters_;
  if (auto it = std::find(w.begin(), w.end(), this); it != w.end()) {
    w.erase(it);
  }
  if (handed) {
    pool.shared_->metrics.in_use->Add(-1);
    pool.CloseOne(std::move(handed));
  } else if (slot) {
    pool.FreeSlot();
  }
}

ClientPool::~ClientPool() {
  Shutdown();
}

void ClientPool::Shutdown() {
  shut_down_ = true;
  while (!idle_.empty()) {
    shared_->metrics.idle->Add(-1);
    boost::system::error_code ec;
    idle_.back()->socket.close(ec);
    idle_.pop_back();
    --open_;
  }
}

bool ClientPool::Expired(const ClientConnection& c, TimePoint now) const noexcept {
  const auto& s = shared_->settings;
  return now - c.idle_since >= s.idle_timeout ||
         (s.max_lifetime.count() > 0 && now - c.created >= s.max_lifetime);
}

void ClientPool::ReapIdle(TimePoint now) {
  while (!idle_.empty() && Expired(*idle_.front(), now)) {
    auto c = std::move(idle_.front());
    idle_.pop_front();
    shared_->metrics.idle->Add(-1);
    CloseOne(std::move(c));
  }
}

std::unique_ptr<ClientConnection> ClientPool::TakeIdle(TimePoint now) {
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    shared_->metrics.idle->Add(-1);
    if (!Expired(*c, now) && c->LooksAlive()) {
      return c;
    }
    CloseOne(std::move(c));  // closed by the upstream while idle
  }
  return nullptr;
}

void ClientPool::CloseOne(std::unique_ptr<ClientConnection> c) {
  boost::system::error_code ec;
  c->socket.close(ec);
  FreeSlot();
}

void ClientPool::FreeSlot() {
  --open_;
  if (!waiters_.empty() && open_ < shared_->settings.max_connections && !shut_down_) {
    Waiter* w = waiters_.front();
    waiters_.pop_front();
    ++open_;
    w->slot = true;
    w->timer.cancel();
  }
}

void ClientPool::Return(std::unique_ptr<ClientConnection> c, bool reusable) {
  shared_->metrics.in_use->Add(-1);
  const auto now = std::chrono::steady_clock::now();
  c->idle_since = now;
  if (reusable && !shut_down_ && !Expired(*c, now)) {
    c->reused = true;
    if (!waiters_.empty()) {
      Waiter* w = waiters_.front();
      waiters_.pop_front();
      shared_->metrics.in_use->Add(1);
      w->handed = std::move(c);
      w->timer.cancel();
      return;
    }
    if (idle_.size() < shared_->settings.max_idle) {
      idle_.push_back(std::move(c));
      shared_->metrics.idle->Add(1);
      return;
    }
  }
  CloseOne(std::move(c));
}

asio::awaitable<Result<ClientLease>> ClientPool::Acquire(Deadline deadline) {
  auto self = shared_from_this();  // the frame keeps the pool alive (shutdown ordering)
  if (shut_down_) {
    co_return Error(ErrorCode::kUnavailable, "http client is shutting down");
  }
  const auto now = std::chrono::steady_clock::now();
  ReapIdle(now);
  if (auto c = TakeIdle(now)) {
    shared_->metrics.in_use->Add(1);
    shared_->metrics.reused->Add();
    co_return ClientLease(self, std::move(c));
  }
  if (open_ < shared_->settings.max_connections) {
    ++open_;
    SlotHold hold(*this);
    co_return co_await Connect(deadline, hold);
  }
  co_return co_await WaitForTurn(deadline);
}

asio::awaitable<Result<ClientLease>> ClientPool::WaitForTurn(Deadline deadline) {
  const auto& s = shared_->settings;
  const auto give_up = std::chrono::steady_clock::now() + s.pool_wait_timeout;
  const bool deadline_first = deadline.when() <= give_up;
  auto overloaded = [&] {
    return Error(ErrorCode::kOverloaded, "all " + std::to_string(s.max_connections) +
                                             " connections to " + s.name + " are busy")
        .WithRetryAfter(std::chrono::seconds(1));
  };
  if (s.pool_wait_timeout.count() <= 0) {
    co_return overloaded();
  }
  Waiter w(*this);
  w.timer.expires_at(deadline_first ? deadline.when() : give_up);
  waiters_.push_back(&w);
  auto [ec] = co_await w.timer.async_wait(kAwait);
  if (w.handed) {
    co_return ClientLease(shared_from_this(), std::move(w.handed));
  }
  if (w.slot) {
    w.slot = false;
    SlotHold hold(*this);
    co_return co_await Connect(deadline, hold);
  }
  if (ec == asio::error::operation_aborted) {
    co_return Error(ErrorCode::kCancelled, "wait for a connection cancelled");
  }
  if (deadline_first) {
    co_return Error(ErrorCode::kDeadlineExceeded,
                    "deadline passed while waiting for a connection to " + s.name);
  }
  co_return overloaded();
}

asio::awaitable<Result<ClientLease>> ClientPool::Connect(Deadline deadline, SlotHold& hold) {
  const auto& s = shared_->settings;
  const auto start = std::chrono::steady_clock::now();
  const Deadline connect_deadline = deadline.TightenBy(s.connect_timeout, start);
  auto endpoints = co_await shared_->dns.Resolve(connect_deadline);
  if (!endpoints) {
    co_return std::move(endpoints).error();
  }
  tcp::socket socket(io_);
  auto raced =
      co_await WithDeadline(connect_deadline, asio::async_connect(socket, *endpoints, kAwait));
  if (!raced) {
    const bool connect_timeout = connect_deadline.when() < deadline.when();
    co_return Error(ErrorCode::kDeadlineExceeded,
                    connect_timeout
                        ? "connect to " + shared_->host_header + " timed out"
                        : "deadline passed while connecting to " + shared_->host_header);
  }
  const auto& [ec, endpoint] = raced.value();
  (void)endpoint;
  if (ec == asio::error::operation_aborted) {
    co_return Error(ErrorCode::kCancelled, "connect cancelled");
  }
  if (ec) {
    shared_->dns.Invalidate();
    co_return Error(ErrorCode::kUnavailable,
                    "connect to " + shared_->host_header + " failed: " + ec.message());
  }
  boost::system::error_code opt_ec;
  socket.set_option(tcp::no_delay(true), opt_ec);  // requests are small and latency-bound
  hold.pool = nullptr;                             // the slot now belongs to the connection
  shared_->metrics.opened->Add();
  shared_->metrics.in_use->Add(1);
  co_return ClientLease(shared_from_this(),
                        std::make_unique<ClientConnection>(std::move(socket), start));
}

}  // namespace keel::http
