// worker.hpp — per-I/O-thread server state (private to keel::http).
//
// Everything here is touched only by its own I/O thread, except the atomics read at scrape time.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "h1_parser.hpp"
#include "keel/http/request_observer.hpp"
#include "keel/http/router.hpp"
#include "keel/http/server.hpp"

namespace keel::http {

class Connection;

// Shared, read-only server configuration plus the cross-thread counters.
struct ServerShared {
  ServerSettings settings;
  ParserLimits limits;
  const Router* routes = nullptr;
  const Router* admin_routes = nullptr;
  bool admin_on_main = true;
  RequestObserver* observer = nullptr;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> draining{false};
  // Called (on some I/O thread) whenever a connection closes while draining.
  std::function<void()> on_connection_closed_while_draining;
};

// The IMF-fixdate of the current second, recomputed at most once a second (RFC 9110 §5.6.7).
class DateCache {
 public:
  std::string_view Get();

 private:
  std::time_t second_ = 0;
  char text_[32] = {};
  std::size_t size_ = 0;
};

// Request ids: 16 hex digits from a per-thread random seed and a counter.
class RequestIdGenerator {
 public:
  RequestIdGenerator();
  static constexpr std::size_t kLength = 16;
  // Writes kLength lowercase hex digits to `out`.
  void Next(char* out) noexcept;
  std::string Next();

 private:
  std::uint64_t state_;
};

struct Worker {
  Worker(std::size_t index, boost::asio::io_context& io, ServerShared& shared)
      : index(index), io(io), shared(shared) {}

  void Register(Connection* c);
  void Unregister(Connection* c);
  // Enforces every connection's phase deadline every 20 ms, until the io_context is destroyed.
  void StartSweep();
  void Sweep();
  // Close idle connections and ask busy ones to close after their response.
  void BeginDrain();

  std::size_t index;
  boost::asio::io_context& io;
  ServerShared& shared;
  // Acceptors and timers are owned by the coroutines and handlers that use them, so that they are
  // destroyed with the io_context's pending work, before the io_context itself. These are views.
  std::vector<boost::asio::ip::tcp::acceptor*> acceptors;
  Connection* head = nullptr;  // intrusive list of this thread's connections
  DateCache date;
  RequestIdGenerator ids;
  std::atomic<std::int64_t> in_flight{0};
};

}  // namespace keel::http
