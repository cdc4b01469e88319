// client_pool.hpp — one I/O thread's keep-alive connections to one origin (private to keel::http).
//
// Shared nothing: a pool belongs to one io_context and is only touched from its thread, so it
// needs no lock. It bounds open connections (connecting + in use + idle) by max_connections;
// past that a request waits in FIFO order for a released connection or a freed slot, at most
// pool_wait_timeout (then kOverloaded) and never past the deadline. Idle connections are reused
// most-recent-first (the rest age out); expired ones are reaped lazily whenever the pool is
// touched, so no timer runs per pool.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <string>

#include "client_connection.hpp"
#include "client_dns.hpp"
#include "keel/core/metrics.hpp"
#include "keel/http/client.hpp"

namespace keel::http {

// Metrics of one Client (one dependency), shared by its per-thread pools.
struct ClientMetrics {
  ClientMetrics(MetricSink& sink, const std::string& dependency);
  void CountError(ErrorCode code) noexcept;
  void CountStatus(int status) noexcept;

  Gauge* in_use;
  Gauge* idle;
  Histogram* pool_wait;
  Histogram* duration;
  Counter* opened;
  Counter* reused;
  Counter* unavailable;
  Counter* deadline_exceeded;
  Counter* overloaded;
  Counter* cancelled;
  Counter* other_error;
  Counter* by_status_class[5];
};

// What every pool of one Client shares (read-only except the DNS cache and the metrics).
struct ClientShared {
  ClientShared(ClientSettings s, Origin o, MetricSink& sink)
      : settings(std::move(s)),
        origin(std::move(o)),
        host_header(origin.HostHeader()),
        limits{.max_head_bytes = settings.max_response_head_bytes,
               .max_header_count = settings.max_response_headers,
               .max_body_bytes = settings.max_response_body_bytes},
        dns(origin, settings.dns_ttl),
        metrics(sink, settings.name) {}

  ClientSettings settings;
  Origin origin;
  std::string host_header;
  ResponseLimits limits;
  DnsCache dns;
  ClientMetrics metrics;
};

class ClientPool;

// A connection taken from a pool. Destroying it without Release() closes the connection (an
// exchange that failed or was cancelled midway must not be reused).
class ClientLease {
 public:
  ClientLease(std::shared_ptr<ClientPool> pool, std::unique_ptr<ClientConnection> c) noexcept
      : pool_(std::move(pool)), conn_(std::move(c)) {}
  ClientLease(ClientLease&&) noexcept = default;
  ClientLease& operator=(ClientLease&&) = delete;
  ~ClientLease();

  ClientConnection& connection() noexcept { return *conn_; }
  // Returns the connection: kept idle when `reusable`, closed otherwise.
  void Release(bool reusable);

 private:
  std::shared_ptr<ClientPool> pool_;
  std::unique_ptr<ClientConnection> conn_;
};

class ClientPool : public std::enable_shared_from_this<ClientPool> {
 public:
  ClientPool(boost::asio::io_context& io, std::shared_ptr<ClientShared> shared)
      : io_(io), shared_(std::move(shared)) {}
  ~ClientPool();

  // An idle connection, a new one, or one released while waiting. Errors: kOverloaded (waited
  // pool_wait_timeout), kDeadlineExceeded, kCancelled, and connect's kUnavailable.
  [[nodiscard]] boost::asio::awaitable<Result<ClientLease>> Acquire(Deadline deadline);
  void Return(std::unique_ptr<ClientConnection> c, bool reusable);
  // Closes idle connections and refuses reuse from now on (the Client is being destroyed).
  void Shutdown();

  [[nodiscard]] boost::asio::io_context& io() noexcept { return io_; }
  [[nodiscard]] Client::PoolStats Stats() const noexcept {
    return {.open = open_, .idle = idle_.size(), .waiters = waiters_.size()};
  }

 private:
  // A request waiting for a connection; lives in the waiting coroutine's frame. Its destructor
  // gives back whatever it was handed but did not use (the frame may be destroyed at shutdown).
  struct Waiter {
    explicit Waiter(ClientPool& p) : pool(p), timer(p.io_) {}
    ~Waiter();
    ClientPool& pool;
    boost::asio::steady_timer timer;
    std::unique_ptr<ClientConnection> handed;  // a released connection, handed over directly
    bool slot = false;                         // a freed slot: connect a new connection
  };
  // A reserved slot (counted in open_) not yet owned by a connection; freed unless disarmed.
  struct SlotHold {
    explicit SlotHold(ClientPool& p) : pool(&p) {}
    SlotHold(const SlotHold&) = delete;
    SlotHold& operator=(const SlotHold&) = delete;
    ~SlotHold() {
      if (pool != nullptr) {
        pool->FreeSlot();
      }
    }
    ClientPool* pool;
  };

  std::unique_ptr<ClientConnection> TakeIdle(TimePoint now);
  void ReapIdle(TimePoint now);
  void CloseOne(std::unique_ptr<ClientConnection> c);
  // A slot was freed: the first waiter may connect with it.
  void FreeSlot();
  [[nodiscard]] boost::asio::awaitable<Result<ClientLease>> WaitForTurn(Deadline deadline);
  [[nodiscard]] boost::asio::awaitable<Result<ClientLease>> Connect(Deadline deadline,
                                                                    SlotHold& hold);
  [[nodiscard]] bool Expired(const ClientConnection& c, TimePoint now) const noexcept;

  boost::asio::io_context& io_;
  std::shared_ptr<ClientShared> shared_;  // shared: a lease may outlive the Client at shutdown
  std::size_t open_ = 0;                  // connecting + leased + idle
  std::deque<std::unique_ptr<ClientConnection>> idle_;  // back = most recently used
  std::deque<Waiter*> waiters_;
  bool shut_down_ = false;
};

}  // namespace keel::http
