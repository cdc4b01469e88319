#include "client_connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <optional>

namespace keel::http {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kInitialBuffer = 4096;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

Error IoError(const boost::system::error_code& ec, std::string_view what) {
  if (ec == asio::error::operation_aborted) {
    return Error(ErrorCode::kCancelled, std::string(what) + ": cancelled");
  }
  return Error(ErrorCode::kUnavailable, std::string(what) + ": " + ec.message());
}

bool SafeHeaderText(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == 0; });
}

bool ClientSetsItself(std::string_view name) {
  return EqualsIgnoreCase(name, "host") || EqualsIgnoreCase(name, "content-length") ||
         EqualsIgnoreCase(name, "transfer-encoding") || EqualsIgnoreCase(name, "x-request-timeout");
}

// Reads more bytes into c.in[filled...], growing the buffer up to `max_size`.
asio::awaitable<boost::system::error_code> ReadMore(ClientConnection& c, std::size_t& filled,
                                                    std::size_t max_size) {
  if (filled == c.in.size()) {
    c.in.resize(
        std::min(std::max(c.in.size() * 2, kInitialBuffer), std::max(max_size, filled + 1)));
  }
  auto [ec, n] = co_await c.socket.async_read_some(
      asio::buffer(c.in.data() + filled, c.in.size() - filled), kAwait);
  filled += n;
  co_return ec;
}

ClientResponse OwnedHead(const ResponseHead& head) {
  ClientResponse r;
  r.status = head.status;
  r.headers.reserve(head.headers.size());
  for (const auto& f : head.headers) {
    r.headers.emplace_back(std::string(f.name), std::string(f.value));
  }
  return r;
}

}  // namespace

bool ClientConnection::LooksAlive() noexcept {
  char c;
  const auto n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

Result<std::string> SerializeRequest(const ClientRequest& request, std::string_view host_header,
                                     std::int64_t timeout_ms) {
  if (request.target.empty() || request.target.front() != '/' ||
      request.target.find_first_of(" \r\n\t") != std::string::npos) {
    return Error(ErrorCode::kInvalidArgument, "request target must be origin-form ('/path?q')");
  }
  std::string out;
  out.reserve(128 + request.target.size() + request.body.size());
  out += MethodName(request.method);
  out += ' ';
  out += request.target;
  out += " HTTP/1.1\r\nHost: ";
  out += host_header;
  out += "\r\n";
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || name.find(':') != std::string::npos || !SafeHeaderText(name) ||
        !SafeHeaderText(value)) {
      return Error(ErrorCode::kInvalidArgument, "invalid request header '" + name + "'");
    }
    if (ClientSetsItself(name)) {
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  const bool expects_body = request.method == Method::kPost || request.method == Method::kPut ||
                            request.method == Method::kPatch;
  if (expects_body || !request.body.empty()) {
    out += "Content-Length: ";
    out += std::to_string(request.body.size());
    out += "\r\n";
  }
  if (timeout_ms > 0) {
    out += "X-Request-Timeout: ";
    out += std::to_string(std::min<std::int64_t>(timeout_ms, 99'999'999));
    out += "\r\n";
  }
  out += "\r\n";
  out += request.body;
  return out;
}

namespace {

// Where the unparsed bytes of c.in are: [pos, filled).
struct Cursor {
  std::size_t filled = 0;
  std::size_t pos = 0;
};

// Reads until a final (non-1xx) response head is parsed into `head`; `cur.pos` ends after it.
asio::awaitable<std::optional<Error>> ReadHead(ClientConnection& c, const ResponseLimits& limits,
                                               ResponseHead& head, Cursor& cur,
                                               bool& nothing_received) {
  for (;;) {
    const auto parsed = ParseResponseHead(
        std::string_view(c.in.data() + cur.pos, cur.filled - cur.pos), limits, head);
    if (parsed.kind == ResponseParse::Kind::kFailed) {
      co_return Error(ErrorCode::kUnavailable,
                      "malformed response from upstream: " + std::string(parsed.detail));
    }
    if (parsed.kind == ResponseParse::Kind::kComplete) {
      cur.pos += parsed.consumed;
      if (head.status >= 200) {
        co_return std::nullopt;
      }
      if (head.status == 101) {
        co_return Error(ErrorCode::kUnavailable, "unexpected protocol switch (101)");
      }
      continue;  // interim 1xx: the final response follows
    }
    const auto ec = co_await ReadMore(c, cur.filled, cur.pos + limits.max_head_bytes);
    if (ec) {
      nothing_received = cur.filled == 0 && ec != asio::error::operation_aborted;
      co_return IoError(ec, cur.filled == 0 ? "connection closed before a response"
                                            : "reading the response head failed");
    }
  }
}

// Reads the body announced by `head` into `body`; `reusable` says whether the connection may
// carry another request (complete body, keep-alive, no stray bytes after it).
asio::awaitable<std::optional<Error>> ReadBody(ClientConnection& c, const ResponseLimits& limits,
                                               const ResponseHead& head, bool head_request,
                                               Cursor& cur, std::string& body, bool& reusable) {
  const BodyFraming framing = FramingFor(head, head_request);
  ResponseBodyReader reader(framing, head.content_length.value_or(0), limits);
  for (;;) {
    auto step = reader.Feed(std::string_view(c.in.data() + cur.pos, cur.filled - cur.pos), body);
    cur.pos += step.consumed;
    if (step.error.empty() && !step.done) {
      cur = {};  // everything was consumed: reuse the buffer from its start
      const auto ec = co_await ReadMore(c, cur.filled, c.in.size());
      if (ec == asio::error::eof) {
        step = reader.Finish();
        if (step.done) {
          co_return std::nullopt;  // read-until-close body: complete, never reusable
        }
      } else if (ec) {
        co_return IoError(ec, "reading the response body failed");
      }
    }
    if (!step.error.empty()) {
      co_return Error(ErrorCode::kUnavailable,
                      "unreadable response body: " + std::string(step.error));
    }
    if (step.done) {
      reusable = head.keep_alive && framing != BodyFraming::kUntilClose && cur.pos == cur.filled;
      co_return std::nullopt;
    }
  }
}

}  // namespace

asio::awaitable<ExchangeOutcome> Exchange(ClientConnection& c, std::string_view request_bytes,
                                          bool head_request, const ResponseLimits& limits) {
  ExchangeOutcome out;
  out.nothing_received = true;
  auto [write_ec, written] =
      co_await asio::async_write(c.socket, asio::buffer(request_bytes), kAwait);
  (void)written;
  if (write_ec) {
    out.response = IoError(write_ec, "sending the request failed");
    co_return out;
  }
  if (c.in.size() < kInitialBuffer) {
    c.in.resize(kInitialBuffer);
  }
  Cursor cur;
  ResponseHead head;
  bool nothing_received = false;
  if (auto e = co_await ReadHead(c, limits, head, cur, nothing_received)) {
    out.response = std::move(*e);
    out.nothing_received = nothing_received;
    co_return out;
  }
  out.nothing_received = false;
  ClientResponse response = OwnedHead(head);
  if (auto e = co_await ReadBody(c, limits, head, head_request, cur, response.body, out.reusable)) {
    out.response = std::move(*e);
    co_return out;
  }
  out.response = std::move(response);
  co_return out;
}

}  // namespace keel::http
