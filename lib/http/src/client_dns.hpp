// client_dns.hpp — the client's cached name resolution (private to keel::http).
//
// Resolution goes through Asio's resolver (getaddrinfo on its own thread, never on the I/O
// thread) and is cached for a TTL so that a request does not pay a lookup. Literal addresses and
// "localhost" never reach the resolver: they resolve locally (and deterministically in tests,
// where no external network exists).
//
// Thread safety: Resolve() may be called from any I/O thread; the cache is behind a mutex taken
// only for a lookup or an update, never across a wait.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <mutex>
#include <vector>

#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/http/client.hpp"

namespace keel::http {

class DnsCache {
 public:
  using Endpoints = std::vector<boost::asio::ip::tcp::endpoint>;

  DnsCache(Origin origin, std::chrono::nanoseconds ttl);

  // kUnavailable when the name does not resolve, kDeadlineExceeded when the lookup outlives the
  // deadline, kCancelled when the awaiting coroutine is cancelled.
  [[nodiscard]] boost::asio::awaitable<Result<Endpoints>> Resolve(Deadline deadline);
  // Forget the cached answer (after a connect failure the next request resolves again).
  void Invalidate();

 private:
  Origin origin_;
  std::chrono::nanoseconds ttl_;
  Endpoints fixed_;  // literal address or localhost: never expires
  std::mutex mu_;
  Endpoints cached_;
  TimePoint expires_{};
};

}  // namespace keel::http
