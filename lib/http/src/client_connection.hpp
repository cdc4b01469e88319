// client_connection.hpp — one pooled client connection and one request/response exchange on it
// (private to keel::http).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <string_view>

#include "client_parser.hpp"
#include "keel/core/clock.hpp"
#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/http/client.hpp"

namespace keel::http {

struct ClientConnection {
  ClientConnection(boost::asio::ip::tcp::socket s, TimePoint now)
      : socket(std::move(s)), created(now), idle_since(now) {}

  // Whether an idle connection is still usable: the upstream has not closed it (EOF or reset
  // pending) and has sent nothing unsolicited. A non-blocking peek, no wait.
  [[nodiscard]] bool LooksAlive() noexcept;

  boost::asio::ip::tcp::socket socket;
  TimePoint created;
  TimePoint idle_since;
  std::string in;       // receive buffer, kept across requests (capacity reused)
  bool reused = false;  // served a request before this one
};

struct ExchangeOutcome {
  Result<ClientResponse> response = Error(ErrorCode::kInternal, "exchange not run");
  bool reusable = false;          // the response was read completely and keep-alive holds
  bool nothing_received = false;  // failed before any response byte arrived
};

// Writes `request_bytes` and reads one complete response (interim 1xx responses skipped).
// Never throws on I/O errors: they are values (operation_aborted -> kCancelled).
[[nodiscard]] boost::asio::awaitable<ExchangeOutcome> Exchange(ClientConnection& connection,
                                                               std::string_view request_bytes,
                                                               bool head_request,
                                                               const ResponseLimits& limits);

// The request head and body as sent on the wire; `timeout_ms` > 0 adds X-Request-Timeout.
// kInvalidArgument when a header name or value could split the message (CR, LF, NUL, ':').
[[nodiscard]] Result<std::string> SerializeRequest(const ClientRequest& request,
                                                   std::string_view host_header,
                                                   std::int64_t timeout_ms);

}  // namespace keel::http
