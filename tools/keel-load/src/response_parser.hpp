// response_parser.hpp — an incremental HTTP/1.1 response parser for the load client.
//
// keel-load needs the status, whether the connection stays open, and where the response ends —
// not the headers or the body. So the parser keeps no header strings and skips body bytes as they
// arrive: a response of any size costs no memory. Bodies are delimited by Content-Length,
// chunked transfer coding (extensions and trailers skipped) or, failing both, the close of the
// connection (RFC 9112 §6.3); HEAD responses, 1xx, 204 and 304 have none; interim 1xx responses
// are skipped.
//
// Contract: the caller keeps the bytes not consumed yet and passes them again, followed by the
// new ones (the head is parsed only once it is complete, at most 64 KiB):
//
//   parser.Reset(/*head_request=*/false);
//   auto step = parser.Parse(buf.data(), buf.size());   // consumes what it could
//   buf.erase(0, step.consumed);                        // kNeedMore: read more, call again
#pragma once

#include <cstddef>
#include <cstdint>

namespace keel::load {

class ResponseParser {
 public:
  enum class State { kNeedMore, kDone, kError };
  struct Step {
    std::size_t consumed = 0;
    State state = State::kNeedMore;
  };

  static constexpr std::size_t kMaxHead = 64 * 1024;
  static constexpr std::size_t kMaxLine = 4 * 1024;  // a chunk-size or trailer line

  void Reset(bool head_request) noexcept;
  // Parses from `data`; never reads past `size`, never consumes bytes after the response's end.
  Step Parse(const char* data, std::size_t size) noexcept;
  // The peer closed the connection: completes a body delimited by the close, else an error.
  State OnEof() noexcept;

  [[nodiscard]] int status() const noexcept { return status_; }
  // Whether the connection may carry another request (HTTP/1.1 without "Connection: close").
  [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }
  [[nodiscard]] uint64_t body_bytes() const noexcept { return body_bytes_; }
  [[nodiscard]] const char* error() const noexcept { return error_; }

 private:
  enum class Phase {
    kHead,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkCrlf,
    kTrailer,
    kUntilClose,
    kDone,
    kError
  };

  std::size_t ParseHeadPhase(const char* data, std::size_t size) noexcept;
  bool ParseHead(const char* data, std::size_t size) noexcept;
  bool ParseHeader(const char* line, std::size_t size) noexcept;
  void ChooseBodyFraming() noexcept;
  std::size_t ParseChunkSize(const char* data, std::size_t size) noexcept;
  std::size_t ParseTrailer(const char* data, std::size_t size) noexcept;
  std::size_t ParseChunkCrlf(const char* data, std::size_t size) noexcept;
  std::size_t Fail(const char* why) noexcept;

  Phase phase_ = Phase::kHead;
  bool head_request_ = false;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool other_coding_ = false;
  bool has_length_ = false;
  int status_ = 0;
  uint64_t content_length_ = 0;
  uint64_t remaining_ = 0;
  uint64_t body_bytes_ = 0;
  std::size_t head_scanned_ = 0;  // bytes of the pending head already searched for its end
  const char* error_ = nullptr;
};

}  // namespace keel::load
