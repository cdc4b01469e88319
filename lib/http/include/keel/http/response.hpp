// keel/http/response.hpp — what a handler returns.
//
// A status, header fields and a body. The server adds Date, Content-Length, Connection and
// X-Request-Id itself; a handler sets only what is specific to its answer.
//
//   co_return keel::http::Response::Json(200, R"({"id":1})");
//   auto r = keel::http::Response::Text(200, "ok");
//   r.SetHeader("Cache-Control", "no-store");
//
// A streamed response (Server-Sent Events, keel/http/stream.hpp) carries a StreamBody instead of a
// body: the server sends the head, then runs the stream's producer, which writes chunks.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keel::http {

struct StreamBody;  // keel/http/stream.hpp

class Response {
 public:
  Response() = default;
  explicit Response(int status) : status_(status) {}

  [[nodiscard]] static Response Text(int status, std::string body) {
    Response r(status);
    r.SetHeader("Content-Type", "text/plain");
    r.body_ = std::move(body);
    return r;
  }
  [[nodiscard]] static Response Json(int status, std::string body) {
    Response r(status);
    r.SetHeader("Content-Type", "application/json");
    r.body_ = std::move(body);
    return r;
  }

  [[nodiscard]] int status() const noexcept { return status_; }
  void set_status(int s) noexcept { status_ = s; }
  [[nodiscard]] const std::string& body() const noexcept { return body_; }
  std::string& mutable_body() noexcept { return body_; }
  void set_body(std::string body) { body_ = std::move(body); }

  // Replaces any field of this name (case-insensitive).
  void SetHeader(std::string_view name, std::string_view value);
  void AddHeader(std::string_view name, std::string_view value) {
    headers_.emplace_back(std::string(name), std::string(value));
  }
  [[nodiscard]] const std::string* FindHeader(std::string_view name) const noexcept;
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& headers() const noexcept {
    return headers_;
  }
  // Ask the server to close the connection after this response.
  void set_close(bool close) noexcept { close_ = close; }
  [[nodiscard]] bool close() const noexcept { return close_; }
  // A streamed body (see keel/http/stream.hpp); null for an ordinary response.
  [[nodiscard]] const std::shared_ptr<const StreamBody>& stream() const noexcept { return stream_; }
  void set_stream(std::shared_ptr<const StreamBody> stream) noexcept {
    stream_ = std::move(stream);
  }

 private:
  int status_ = 200;
  bool close_ = false;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
  std::shared_ptr<const StreamBody> stream_;
};

// The reason phrase of a status code ("Not Found"); "Unknown" for unregistered codes.
[[nodiscard]] std::string_view StatusReason(int status) noexcept;

}  // namespace keel::http
