// keel/http/stream.hpp — streamed responses and Server-Sent Events.
//
// A handler answers with a response whose body is produced after the head is sent: the server
// writes the head (chunked transfer encoding on HTTP/1.1; on HTTP/1.0 the body ends when the
// connection closes), then runs the producer coroutine on the connection's I/O thread. Every
// Write is one chunk, flushed before it returns. While the producer is idle the server sends a
// heartbeat (an SSE comment) so that proxies and clients do not time the connection out.
//
// The stream ends when the producer returns, or earlier when the client goes away, a write fails
// or times out (server.write_timeout), the stream's deadline passes or the server drains. Then
// ended() is true, Write and Sleep return false, and every wait of the producer is cancelled
// (it throws or returns operation_aborted): the producer must return promptly.
//
// Deadline: the route's budget bounds the handler until it returns the response; the stream
// itself runs until RouteOptions::stream_timeout after its head was sent. A route without
// stream_timeout ends its streams at the request's deadline, so long-lived streams are an opt-in:
//
//   router.Get("/v1/things/{id:int}/events", ThingEvents,
//              {.max_body_bytes = 0, .stream_timeout = std::chrono::minutes(30)});
//
//   boost::asio::awaitable<Response> ThingEvents(Request& r, RequestContext& c) {
//     // ... look the thing up with c.deadline(); answer 404 as usual ...
//     co_return keel::http::EventStreamResponse([id](keel::http::ResponseStream& s)
//                                                   -> boost::asio::awaitable<void> {
//       while (co_await keel::http::SendEvent(s, {.event = "tick", .data = "{}"})) {
//         if (!co_await s.Sleep(std::chrono::seconds(1))) break;
//       }
//     });
//   }
//
// The producer is a copy of what it captures: the handler's frame is gone by the time it runs.
// Middleware sees the response before the body exists; streamed responses carry
// Cache-Control: no-store, so response caches skip them. Admission control (in-flight limits)
// counts the handler, not the stream.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "keel/core/deadline.hpp"
#include "keel/http/response.hpp"

namespace keel::http {

// The writer a stream's producer gets. Used only from the producer's coroutine.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends `bytes` as one chunk and waits until it is written to the socket. false once the stream
  // has ended (nothing is sent then): the producer should return.
  virtual boost::asio::awaitable<bool> Write(std::string_view bytes) = 0;
  // Waits `duration` (heartbeats go out meanwhile); false when the stream ended during the wait.
  virtual boost::asio::awaitable<bool> Sleep(std::chrono::nanoseconds duration) = 0;
  [[nodiscard]] virtual bool ended() const noexcept = 0;
  // The stream's deadline: pass it to the producer's database calls and other waits.
  [[nodiscard]] virtual Deadline deadline() const noexcept = 0;
};

using StreamProducer = std::function<boost::asio::awaitable<void>(ResponseStream&)>;

struct StreamBody {
  StreamProducer produce;
  // Sent when nothing was written for this long; zero = no heartbeats.
  std::chrono::nanoseconds heartbeat_interval = std::chrono::seconds(15);
  std::string heartbeat = ":\n\n";  // an SSE comment line, ignored by EventSource
};

// A 200 response with `content_type` whose body `body` produces; Cache-Control: no-store.
[[nodiscard]] Response StreamResponse(std::string_view content_type, StreamBody body);

// One Server-Sent Event (WHATWG HTML §9.2). `data` may span lines; each becomes a data: line.
struct ServerSentEvent {
  std::string_view event;  // empty = "message"
  std::string_view data;
  std::string_view id;                             // empty = none; sets the client's Last-Event-ID
  std::optional<std::chrono::milliseconds> retry;  // the client's reconnection delay
};

// The wire form of `event`, ending with the blank line that dispatches it. CR, LF and CRLF in
// data split lines; CR/LF in event and id (which cannot carry them) are dropped.
[[nodiscard]] std::string FormatEvent(const ServerSentEvent& event);

// A text/event-stream response (no-store, X-Accel-Buffering: no so that nginx does not buffer it).
[[nodiscard]] Response EventStreamResponse(
    StreamProducer producer,
    std::chrono::nanoseconds heartbeat_interval = std::chrono::seconds(15));

// Writes FormatEvent(event) as one chunk; false once the stream has ended.
boost::asio::awaitable<bool> SendEvent(ResponseStream& stream, const ServerSentEvent& event);

}  // namespace keel::http
