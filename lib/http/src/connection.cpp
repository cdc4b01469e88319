#include "connection.hpp"
#include "read_readiness.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cstring>
#include <exception>

#include "keel/core/check.hpp"
#include "keel/http/deadline_header.hpp"
#include "keel/http/problem.hpp"
#include "keel/http/server_timing.hpp"

namespace keel::http {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {
constexpr std::size_t kInitialBuffer = 4096;
// The buffer an idle keep-alive connection holds (and reads its next request into): small, because
// 10,000 idle connections hold 10,000 of them; it grows when a head does not fit.
constexpr std::size_t kIdleBuffer = 1024;
constexpr std::size_t kMaxRetainedOut = 64 * 1024;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

bool WouldBlock(const boost::system::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) {
    return false;
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// Splits a request-target into path and query; absolute-form loses its scheme and authority.
void SplitTarget(std::string_view target, std::string_view& path, std::string_view& query) {
  if (!target.empty() && target.front() != '/') {
    const auto scheme_end = target.find("://");
    if (scheme_end != std::string_view::npos) {
      const auto path_start = target.find_first_of("/?", scheme_end + 3);
      target =
          path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
    }
  }
  const auto q = target.find('?');
  path = target.substr(0, q);
  query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (path.empty()) {
    path = "/";
  }
}

bool StatusHasNoBody(int status) {
  return status < 200 || status == 204 || status == 304;
}
}  // namespace

Connection::Connection(Worker& worker, asio::ip::tcp::socket socket, bool admin_listener,
                       asio::cancellation_signal* cancel)
    : worker_(worker),
      socket_(std::move(socket)),
      admin_listener_(admin_listener),
      cancel_(cancel) {
  boost::system::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  const auto ep = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_ = ep.address().to_string();
  }
  worker_.Register(this);
  if (worker_.shared.observer != nullptr) {
    worker_.shared.observer->OnConnectionOpened();
  }
}

Connection::~Connection() {
  worker_.Unregister(this);
  if (worker_.shared.observer != nullptr) {
    worker_.shared.observer->OnConnectionClosed();
  }
}

void Connection::SetPhase(Phase p, std::chrono::nanoseconds timeout, Clock::time_point now) {
  phase_ = p;
  phase_deadline_ = now + timeout;
}

void Connection::EnforceDeadline(Clock::time_point now) {
  if (phase_ == Phase::kHandler) {
    // The request's deadline passed while its handler runs: cancel whatever it awaits (pool
    // waits, timers, I/O); the handler unwinds and the request is answered 504.
    if (now >= handler_deadline_ && !deadline_cancelled_ && cancel_ != nullptr) {
      deadline_cancelled_ = true;
      cancel_->emit(asio::cancellation_type::terminal);
    }
    return;
  }
  if (now >= phase_deadline_ && !timed_out_) {
    timed_out_ = true;
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
}

void Connection::RequestClose() {
  close_requested_ = true;
  EndStream();
  if (phase_ == Phase::kIdle) {
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
}

// Keeps a read buffer of at most kInitialBuffer bytes across keep-alive waits (a bigger one, grown
// for a large head or body, is replaced by a small one) so that the wait can be a read.
void Connection::RetainIdleBuffer() {
  if (in_capacity_ == 0 || in_capacity_ > kInitialBuffer) {
    in_ = std::make_unique_for_overwrite<char[]>(kIdleBuffer);
    in_capacity_ = kIdleBuffer;
  }
}

void Connection::EnsureCapacity(std::size_t bytes) {
  if (bytes <= in_capacity_) {
    return;
  }
  std::size_t cap = in_capacity_ == 0 ? kInitialBuffer : in_capacity_;
  while (cap < bytes) {
    cap *= 2;
  }
  auto bigger = std::make_unique<char[]>(cap);
  if (end_ > begin_) {
    std::memcpy(bigger.get(), in_.get() + begin_, end_ - begin_);
  }
  end_ -= begin_;
  begin_ = 0;
  in_ = std::move(bigger);
  in_capacity_ = cap;
  buffer_moved_ = true;
}

void Connection::MakeRoom() {
  if (end_ == in_capacity_) {
    if (begin_ > 0 && phase_ != Phase::kBody) {
      std::memmove(in_.get(), in_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
      buffer_moved_ = true;
    } else {
      EnsureCapacity(in_capacity_ * 2);
    }
  }
}

// One read of what the socket holds into in_[end_..), without waiting. What it shows about the
// socket's queue — emptied by a short read or found empty — goes to the reactor
// (read_readiness.hpp). Returns the read's error: would_block when nothing was there.
boost::system::error_code Connection::ReadNow() {
  MakeRoom();
  boost::system::error_code ec;
  const std::size_t room = in_capacity_ - end_;
  const std::size_t n = socket_.read_some(asio::buffer(in_.get() + end_, room), ec);
  if (ec ? WouldBlock(ec) : n < room) {
    detail::MarkReceiveQueueEmpty(socket_);
  }
  if (!ec) {
    end_ += n;
  }
  return ec;
}

// True when bytes arrived; would block, EOF or error: the following read sees it again.
bool Connection::ReadAvailable() {
  return !ReadNow();
}

// Reads at least one byte into in_[end_..). Returns false on EOF, error or timeout.
asio::awaitable<bool> Connection::ReadMore() {
  for (;;) {
    const boost::system::error_code ec = ReadNow();
    if (!ec) {
      co_return true;
    }
    if (!WouldBlock(ec)) {
      co_return false;
    }
    auto [wait_ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, kAwait);
    if (wait_ec || timed_out_) {
      co_return false;
    }
  }
}

// Writes out_ without waiting; true when all of it went out. Otherwise out_ keeps what is left (an
// error shows again in the Flush that follows).
bool Connection::WriteNow() {
  boost::system::error_code ec;
  const std::size_t written = socket_.write_some(asio::buffer(out_), ec);
  if (ec) {
    return false;
  }
  if (written < out_.size()) {
    out_.erase(0, written);
    return false;
  }
  if (out_.capacity() > kMaxRetainedOut) {
    std::string().swap(out_);
  } else {
    out_.clear();
  }
  return true;
}

asio::awaitable<bool> Connection::Flush() {
  if (out_.empty()) {
    co_return true;
  }
  boost::system::error_code ec;
  std::size_t written = socket_.write_some(asio::buffer(out_), ec);
  if (ec && !WouldBlock(ec)) {
    co_return false;
  }
  if (written < out_.size()) {
    SetPhase(Phase::kWrite, worker_.shared.settings.write_timeout);
    auto [wec, n] = co_await asio::async_write(
        socket_, asio::buffer(out_.data() + written, out_.size() - written), kAwait);
    if (wec || timed_out_) {
      co_return false;
    }
  }
  if (out_.capacity() > kMaxRetainedOut) {
    std::string().swap(out_);
  } else {
    out_.clear();
  }
  co_return true;
}

std::string_view Connection::RequestIdFor(const RequestHead& head, char* scratch) {
  if (auto id = head.headers.Find("x-request-id"); id && ValidRequestId(*id)) {
    return *id;
  }
  worker_.ids.Next(scratch);
  return std::string_view(scratch, RequestIdGenerator::kLength);
}

void Connection::AppendResponse(const Response& r, bool head_only, bool close,
                                std::string_view request_id, Clock::time_point now) {
  using namespace std::string_view_literals;
  const int status = r.status();
  const bool no_body = StatusHasNoBody(status);
  const bool with_body = !head_only && !no_body && r.stream() == nullptr;
  char status_text[12];
  const std::string_view status_digits(
      status_text, std::to_chars(status_text, status_text + sizeof status_text, status).ptr);
  char length_text[24];
  std::string_view framing;  // Content-Length value, or the chunked line, or nothing
  if (!no_body) {
    if (r.stream() == nullptr) {
      framing = std::string_view(
          length_text,
          std::to_chars(length_text, length_text + sizeof length_text, r.body().size()).ptr);
    } else if (head_.version_minor >= 1) {
      // A streamed body: chunked on HTTP/1.1; on HTTP/1.0 the caller closes after it.
      framing = "Transfer-Encoding: chunked\r\n"sv;
    }
  }
  const bool framing_is_length = !no_body && r.stream() == nullptr;
  const std::string_view reason = StatusReason(status);
  const std::string_view date = worker_.date.Get();
  const bool server_timing = worker_.shared.settings.server_timing && phase_ == Phase::kHandler;
  const std::string_view connection = close                      ? "Connection: close\r\n"sv
                                      : head_.version_minor == 0 ? "Connection: keep-alive\r\n"sv
                                                                 : ""sv;
  // The head up to X-Request-Id is written in place after one resize: the pieces are sized
  // views, so there is no strlen and no capacity check per piece.
  std::size_t size = "HTTP/1.1 "sv.size() + status_digits.size() + 1 + reason.size() +
                     "\r\nDate: "sv.size() + date.size() + 2;
  for (const auto& [name, value] : r.headers()) {
    size += name.size() + 2 + value.size() + 2;
  }
  size += framing_is_length ? "Content-Length: "sv.size() + framing.size() + 2 : framing.size();
  if (!request_id.empty()) {
    size += "X-Request-Id: "sv.size() + request_id.size() + 2;
  }
  const std::size_t at = out_.size();
  out_.resize(at + size);
  char* p = out_.data() + at;
  const auto put = [&p](std::string_view piece) {
    if (!piece.empty()) {  // an empty view may have a null data(): memcpy(p, nullptr, 0) is UB
      std::memcpy(p, piece.data(), piece.size());
      p += piece.size();
    }
  };
  put("HTTP/1.1 "sv);
  put(status_digits);
  *p++ = ' ';
  put(reason);
  put("\r\nDate: "sv);
  put(date);
  put("\r\n"sv);
  for (const auto& [name, value] : r.headers()) {
    put(name);
    put(": "sv);
    put(value);
    put("\r\n"sv);
  }
  if (framing_is_length) {
    put("Content-Length: "sv);
    put(framing);
    put("\r\n"sv);
  } else {
    put(framing);
  }
  if (!request_id.empty()) {
    put("X-Request-Id: "sv);
    put(request_id);
    put("\r\n"sv);
  }
  KEEL_ASSERT(p == out_.data() + out_.size());
  if (server_timing) {
    out_ += "Server-Timing: "sv;
    AppendServerTiming(out_, context_.stages(), now - request_started_);
    out_ += "\r\n"sv;
  }
  out_ += connection;  // HTTP/1.0 clients reuse only when told
  out_ += "\r\n"sv;
  if (with_body) {
    out_ += r.body();
  }
}

// A protocol error before a handler could run: answer and mark the connection for closing.
void Connection::WriteErrorAndClose(int status, std::string_view detail) {
  // head_ holds whatever fields were parsed before the error (views into the intact buffer), so
  // a client's own request id still correlates its error.
  char scratch[RequestIdGenerator::kLength];
  const std::string id(RequestIdFor(head_, scratch));
  AppendResponse(ProblemResponse(status, detail, id), false, true, id, Clock::now());
}

asio::awaitable<bool> Connection::ReadBody(RequestHead& head, std::size_t& head_size,
                                           std::uint64_t limit, std::string_view& body,
                                           std::size_t& total, bool& close) {
  const auto& settings = worker_.shared.settings;
  if (head.content_length) {
    const std::uint64_t length = *head.content_length;
    if (length > limit) {
      WriteErrorAndClose(413, "the request body of " + std::to_string(length) +
                                  " bytes exceeds this route's limit of " + std::to_string(limit) +
                                  " bytes");
      close = true;
      co_return false;
    }
    const std::size_t need = head_size + static_cast<std::size_t>(length);
    if (end_ - begin_ < need) {
      if (head.expect_continue && head.version_minor >= 1) {
        out_ += "HTTP/1.1 100 Continue\r\n\r\n";
        if (!co_await Flush()) {
          co_return false;
        }
      }
      EnsureCapacity(begin_ + need);
      SetPhase(Phase::kBody, settings.body_timeout);
      while (end_ - begin_ < need) {
        if (!co_await ReadMore()) {
          if (timed_out_) {
            timed_out_ = false;
            WriteErrorAndClose(408, "the request body did not arrive in time");
            close = true;
          }
          co_return false;
        }
        SetPhase(Phase::kBody, settings.body_timeout);  // progress resets the body timer
      }
    }
    body = std::string_view(in_.get() + begin_ + head_size, static_cast<std::size_t>(length));
    total = need;
    co_return true;
  }
  if (!head.chunked) {
    body = {};
    total = head_size;
    co_return true;
  }
  // Chunked: decode into chunked_body_, consuming wire bytes right after the head in place.
  chunked_body_.clear();
  ChunkedDecoder decoder(worker_.shared.limits, limit);
  bool sent_continue = false;
  SetPhase(Phase::kBody, settings.body_timeout);
  for (;;) {
    const std::size_t data_at = begin_ + head_size;
    const auto step =
        decoder.Feed(std::string_view(in_.get() + data_at, end_ - data_at), chunked_body_);
    if (step.status != 0) {
      WriteErrorAndClose(step.status, step.detail);
      close = true;
      co_return false;
    }
    std::memmove(in_.get() + data_at, in_.get() + data_at + step.consumed,
                 end_ - data_at - step.consumed);
    end_ -= step.consumed;
    if (step.done) {
      break;
    }
    if (head.expect_continue && head.version_minor >= 1 && !sent_continue) {
      sent_continue = true;
      out_ += "HTTP/1.1 100 Continue\r\n\r\n";
      if (!co_await Flush()) {
        co_return false;
      }
    }
    if (end_ == in_capacity_) {
      EnsureCapacity(in_capacity_ * 2);
    }
    if (!co_await ReadMore()) {
      if (timed_out_) {
        timed_out_ = false;
        WriteErrorAndClose(408, "the request body did not arrive in time");
        close = true;
      }
      co_return false;
    }
    SetPhase(Phase::kBody, settings.body_timeout);
  }
  body = chunked_body_;
  total = head_size;
  co_return true;
}

// The route's budget, tightened by a client's deadline header, counted from the moment the whole
// request has been received: a slow upload is bounded by the body timeout, not by the budget of
// the work the server does.
Result<Deadline> Connection::RequestDeadline(const RouteOptions* options,
                                             Clock::time_point received) const {
  const auto budget = options != nullptr && options->budget
                          ? *options->budget
                          : worker_.shared.settings.request_timeout;
  Deadline deadline = Deadline::At(received + budget);
  auto client = ClientTimeout(request_.headers());
  if (!client) {
    return std::move(client).error();
  }
  if (*client) {
    deadline = deadline.Tighten(Deadline::At(received + **client));
  }
  return deadline;
}

// Serves the request whose complete head starts at begin_. Returns false when the connection
// must close (after flushing whatever was appended to out_).
asio::awaitable<bool> Connection::ServeOne(std::size_t head_size, bool& close) {
  const auto& shared = worker_.shared;
  RequestHead& head = head_;
  std::string_view path, query;
  SplitTarget(head.target, path, query);

  const Router& primary = admin_listener_ ? *shared.admin_routes : *shared.routes;
  RouteMatch match = primary.Match(head.method, path);
  bool admin = admin_listener_;
  if (!admin_listener_ && shared.admin_on_main && match.kind == RouteMatch::Kind::kNotFound) {
    RouteMatch admin_match = shared.admin_routes->Match(head.method, path);
    if (admin_match.kind != RouteMatch::Kind::kNotFound) {
      match = std::move(admin_match);
      admin = true;
    }
  }
  if (match.route != nullptr && match.route->options.admin) {
    admin = true;
  }
  const std::uint64_t limit = match.route != nullptr && match.route->options.max_body_bytes
                                  ? *match.route->options.max_body_bytes
                                  : shared.settings.max_body_bytes;

  std::string_view body;
  std::size_t total = 0;
  buffer_moved_ = false;
  if (head.content_length || head.chunked) {
    if (!co_await ReadBody(head, head_size, limit, body, total, close)) {
      co_return false;
    }
  } else {
    total = head_size;  // no body: skip the coroutine call
  }
  if (buffer_moved_) {
    // The buffer grew while the body arrived: re-derive the head's views into the new buffer.
    const auto again =
        ParseRequestHead(std::string_view(in_.get() + begin_, end_ - begin_), shared.limits, head);
    KEEL_ASSERT(again.kind == ParseOutcome::Kind::kComplete);
    (void)again;
    SplitTarget(head.target, path, query);
    match = (admin ? *shared.admin_routes : primary).Match(head.method, path);
    if (head.content_length) {
      body = std::string_view(in_.get() + begin_ + head_size,
                              static_cast<std::size_t>(*head.content_length));
    }
  }

  phase_ = Phase::kHandler;
  const auto handler_started = Clock::now();
  char id_scratch[RequestIdGenerator::kLength];
  context_.Reset(RequestIdFor(head, id_scratch), Deadline::Never());
  context_.stages().Add(Stage::kRead, handler_started - request_started_);
  request_.Assign(
      {head.method, head.method_text, head.target, path, query, head.version_minor, body, remote_},
      head.headers);
  close = close || !head.keep_alive || close_requested_ || shared.draining.load();

  Response response;
  switch (match.kind) {
    case RouteMatch::Kind::kFound: {
      const Route& route = *match.route;
      context_.set_route(route.path_template, &route.options, route.options.priority);
      request_.SetPathParams(std::move(match.params));
      auto deadline = RequestDeadline(&route.options, handler_started);
      if (!deadline) {
        response = ErrorResponse(deadline.error(), context_.request_id());
        break;
      }
      context_.TightenDeadline(*deadline);
      if (!admin) {
        worker_.in_flight.fetch_add(1, std::memory_order_relaxed);
      }
      // The route's middleware and handler, bounded by the request's deadline: the sweep cancels
      // the handler's pending waits when it passes (EnforceDeadline) and the answer becomes 504.
      // Inline rather than a helper coroutine: one coroutine frame fewer per request.
      const Deadline request_deadline = context_.deadline();
      if (request_deadline.Expired(handler_started)) {
        response =
            ProblemResponse(504, "the request's deadline passed before its handler could run",
                            context_.request_id());
      } else {
        handler_deadline_ = request_deadline.when();
        deadline_cancelled_ = false;
        bool failed = false;
        // Leading synchronous middleware (admission) run here without a frame of their own; their
        // After sees the chain's answer before a deadline or failure replaces it below.
        // (chain_run_ is a member, not a local: this frame must stay small enough to be recycled.)
        chain_run_.Start(route.chain, route.handler, request_, context_);
        try {
          if (!chain_run_.Begin(response)) {
            response = co_await chain_run_.Rest();
          }
        } catch (const std::exception&) {
          failed = true;  // an exception, or an await that threw because the deadline cancelled it
        }
        chain_run_.End(failed ? nullptr : &response);
        handler_deadline_ = Clock::time_point::max();
        if (deadline_cancelled_) {
          // Waits after a cancellation would throw: clear it before writing the answer.
          co_await asio::this_coro::reset_cancellation_state();
          response =
              ProblemResponse(504, "the request's deadline passed while it was being handled",
                              context_.request_id());
        } else if (failed) {
          response = ProblemResponse(500, "the handler failed unexpectedly", context_.request_id());
        }
      }
      if (!admin) {
        worker_.in_flight.fetch_sub(1, std::memory_order_relaxed);
      }
      break;
    }
    case RouteMatch::Kind::kMethodNotAllowed:
      response = ProblemResponse(
          405, "method " + std::string(head.method_text) + " is not allowed on this resource",
          context_.request_id());
      response.SetHeader("Allow", match.allow);
      break;
    case RouteMatch::Kind::kBadPath:
      response = ProblemResponse(400, match.detail, context_.request_id());
      break;
    case RouteMatch::Kind::kNotFound:
      response =
          ProblemResponse(head.method == Method::kOther ? 501 : 404,
                          head.method == Method::kOther
                              ? "method " + std::string(head.method_text) + " is not implemented"
                              : "no resource at " + std::string(path),
                          context_.request_id());
      break;
  }
  const auto handler_done = Clock::now();
  context_.stages().Add(Stage::kHandler, handler_done - handler_started);
  close = close || response.close();
  const bool streamed = response.stream() != nullptr && head.method != Method::kHead &&
                        !StatusHasNoBody(response.status());
  if (response.stream() != nullptr && head.version_minor == 0) {
    close = true;  // no chunked coding on HTTP/1.0: the end of the connection ends the body
  }
  AppendResponse(response, head.method == Method::kHead, close, context_.request_id(),
                 handler_done);
  std::uint64_t streamed_bytes = 0;
  if (streamed) {
    // The route's stream_timeout, from now; without one the request's deadline still applies.
    const auto stream_deadline = match.route != nullptr && match.route->options.stream_timeout
                                     ? handler_done + *match.route->options.stream_timeout
                                     : context_.deadline().when();
    bool open = co_await Flush();
    if (open) {
      open = co_await RunStream(*response.stream(), head.version_minor >= 1, stream_deadline,
                                streamed_bytes);
    }
    close = close || !open;
  }
  const auto finished = streamed ? Clock::now() : handler_done;

  if (shared.observer != nullptr) {
    CompletedRequest done;
    done.request_id = context_.request_id();
    done.route = context_.route();
    done.method_text = head.method_text;
    done.method = head.method;
    done.target = head.target;
    done.remote_addr = remote_;
    done.status = response.status();
    done.bytes_in = body.size();
    done.bytes_out = response.body().size() + streamed_bytes;
    done.duration = finished - request_started_;
    done.stages = &context_.stages();
    done.admin = admin;
    done.query_limit = match.route != nullptr && match.route->options.max_queries
                           ? *match.route->options.max_queries
                           : shared.settings.max_queries_per_request;
    shared.observer->OnRequest(done);
  }
  begin_ += total;
  request_started_ = finished;  // a pipelined successor was already buffered
  co_return !close;
}

asio::awaitable<void> Connection::Run() {
  const auto& shared = worker_.shared;
  bool close = false;
  while (!close) {
    // Serve every complete request already buffered (pipelining), answers in order.
    while (begin_ < end_ && !close) {
      const auto outcome = ParseRequestHead(std::string_view(in_.get() + begin_, end_ - begin_),
                                            shared.limits, head_);
      if (outcome.kind == ParseOutcome::Kind::kIncomplete) {
        break;
      }
      if (outcome.kind == ParseOutcome::Kind::kFailed) {
        WriteErrorAndClose(outcome.status, outcome.detail);
        close = true;
        break;
      }
      if (!co_await ServeOne(outcome.consumed, close)) {
        close = true;
      }
    }
    if (!close && begin_ < end_ && !out_.empty() && out_.size() < kMaxRetainedOut &&
        ReadAvailable()) {
      // Pipelined requests cut by the end of the buffer: answer the rest of the batch in the
      // same write rather than one write per buffer-full.
      continue;
    }
    // The usual case writes without a coroutine call; Flush waits for a slow reader.
    if (!out_.empty() && !WriteNow()) {
      if (!co_await Flush()) {
        break;
      }
    }
    if (close) {
      break;
    }
    if (begin_ == end_) {
      // Idle between requests: wait by reading into a small retained buffer. A parked read costs
      // no syscall (async_wait re-arms the descriptor with EPOLL_CTL_MOD on every call).
      begin_ = end_ = 0;
      RetainIdleBuffer();
      if (close_requested_ || shared.draining.load()) {
        break;
      }
      SetPhase(Phase::kIdle, shared.settings.keepalive_timeout);
      // Try the socket here only when its queue is not known to be empty (a recv of ours cannot
      // leave a completion to run after the next epoll_wait, as Asio's speculative one does). Then
      // park: the read completes inside the reactor's handling of the next readiness event, with no
      // other event handled since its recv, so a short read there proves the queue empty again.
      if (!detail::ReadTriesSocketFirst(socket_) || !ReadAvailable()) {
        const bool parks = !detail::ReadTriesSocketFirst(socket_);
        auto [ec, n] =
            co_await socket_.async_read_some(asio::buffer(in_.get(), in_capacity_), kAwait);
        if (ec || n == 0 || timed_out_ || close_requested_) {
          break;
        }
        if (parks && n < in_capacity_) {
          detail::MarkReceiveQueueEmpty(socket_);
        }
        end_ = n;
      }
      request_started_ = Clock::now();
      SetPhase(Phase::kHeader, shared.settings.header_timeout, request_started_);
      continue;  // parse what arrived; read more only if the head is incomplete
    }
    if (phase_ != Phase::kHeader) {
      SetPhase(Phase::kHeader, shared.settings.header_timeout);
    }
    if (!co_await ReadMore()) {
      if (timed_out_ && phase_ == Phase::kHeader && end_ > begin_) {
        timed_out_ = false;
        WriteErrorAndClose(408, "the request head did not arrive in time");
        co_await Flush();
      }
      break;
    }
  }
  co_await LingeringClose();
}

// Half-close, then read and discard what the client still sends for a short while: closing with
// unread input makes the kernel send RST, which can destroy the response before the client reads
// it (the reason for nginx's lingering_close).
asio::awaitable<void> Connection::LingeringClose() {
  constexpr std::size_t kMaxDiscard = 256 * 1024;
  constexpr auto kLinger = std::chrono::seconds(1);
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (!ec) {
    timed_out_ = false;
    SetPhase(Phase::kWrite, kLinger);
    char sink[4096];
    std::size_t discarded = 0;
    while (discarded < kMaxDiscard && !timed_out_) {
      const std::size_t n = socket_.read_some(asio::buffer(sink), ec);
      if (!ec) {
        discarded += n;
        continue;
      }
      if (!WouldBlock(ec)) {
        break;  // EOF: the client has closed its side too
      }
      auto [wait_ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, kAwait);
      if (wait_ec) {
        break;
      }
    }
  }
  socket_.close(ec);
}

}  // namespace keel::http
