#include "keel/http/stream.hpp"

#include <memory>
#include <utility>

namespace keel::http {

namespace {

// Appends `text` without CR or LF: event names and ids are single-line fields.
void AppendSingleLine(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c != '\r' && c != '\n') {
      out += c;
    }
  }
}

}  // namespace

Response StreamResponse(std::string_view content_type, StreamBody body) {
  Response r(200);
  r.SetHeader("Content-Type", content_type);
  r.SetHeader("Cache-Control", "no-store");
  r.set_stream(std::make_shared<const StreamBody>(std::move(body)));
  return r;
}

Response EventStreamResponse(StreamProducer producer, std::chrono::nanoseconds heartbeat_interval) {
  StreamBody body{.produce = std::move(producer), .heartbeat_interval = heartbeat_interval};
  Response r = StreamResponse("text/event-stream", std::move(body));
  r.SetHeader("X-Accel-Buffering", "no");
  return r;
}

std::string FormatEvent(const ServerSentEvent& event) {
  std::string out;
  out.reserve(event.data.size() + event.event.size() + event.id.size() + 32);
  if (!event.event.empty()) {
    out += "event: ";
    AppendSingleLine(out, event.event);
    out += '\n';
  }
  if (!event.id.empty()) {
    out += "id: ";
    AppendSingleLine(out, event.id);
    out += '\n';
  }
  if (event.retry) {
    out += "retry: ";
    out += std::to_string(event.retry->count());
    out += '\n';
  }
  // Every line of data (CRLF, LF or CR ends one) becomes its own data: line; an empty data still
  // sends one empty data: line, so the event is dispatched.
  std::string_view data = event.data;
  for (;;) {
    const auto end = data.find_first_of("\r\n");
    out += "data: ";
    out += data.substr(0, end);
    out += '\n';
    if (end == std::string_view::npos) {
      break;
    }
    const std::size_t skip =
        data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n' ? 2 : 1;
    data.remove_prefix(end + skip);
  }
  out += '\n';
  return out;
}

boost::asio::awaitable<bool> SendEvent(ResponseStream& stream, const ServerSentEvent& event) {
  const std::string text = FormatEvent(event);
  co_return co_await stream.Write(text);
}

}  // namespace keel::http
