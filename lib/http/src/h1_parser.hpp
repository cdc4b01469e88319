// h1_parser.hpp — strict, zero-copy HTTP/1.1 request parsing (RFC 9112), private to keel::http.
//
// The parser never allocates for names or values: the RequestHead's views point into the buffer
// given to Parse(). It is strict by design: every framing ambiguity that has enabled request
// smuggling (shared/reference/reliability.md §2.1) is an error with the status to answer and the
// connection is then closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keel/http/headers.hpp"
#include "keel/http/method.hpp"

namespace keel::http {

struct ParserLimits {
  std::size_t max_request_line = 8 * 1024;   // bytes of "METHOD SP target SP version"; over -> 414
  std::size_t max_header_bytes = 32 * 1024;  // bytes of all header lines together; over -> 431
  std::size_t max_header_count = 100;        // header fields; over -> 431
  std::size_t max_chunk_extension_bytes = 4 * 1024;  // sum over a body's chunk-exts; over -> 400
  std::size_t max_trailer_bytes = 8 * 1024;          // trailer section; over -> 431
};

struct RequestHead {
  Method method = Method::kGet;
  std::string_view method_text;
  std::string_view target;  // raw request-target as sent
  int version_minor = 1;    // HTTP/1.<minor>; only 0 and 1 are accepted
  Headers headers;
  std::optional<std::uint64_t> content_length;  // set when a valid Content-Length was sent
  bool chunked = false;                         // Transfer-Encoding: chunked
  bool keep_alive = true;        // from version and Connection tokens (close / keep-alive)
  bool expect_continue = false;  // Expect: 100-continue
  std::string_view host;         // the Host field value (required for HTTP/1.1)
};

struct ParseOutcome {
  enum class Kind { kComplete, kIncomplete, kFailed };
  Kind kind = Kind::kIncomplete;
  std::size_t consumed = 0;  // kComplete: bytes of the head including the final CRLF CRLF
  int status = 0;            // kFailed: 400, 414, 417, 431, 501 or 505
  std::string_view detail;   // kFailed: a precise, static, human-readable reason
};

// Parses one request head from the start of `buffer` into `head` (which is cleared first).
// kIncomplete means "call again with more bytes appended" — unless a limit is already exceeded,
// in which case the result is kFailed at once (a client cannot hold memory by dripping bytes).
[[nodiscard]] ParseOutcome ParseRequestHead(std::string_view buffer, const ParserLimits& limits,
                                            RequestHead& head);

// Incremental decoder of a chunked body (RFC 9112 §7.1), including chunk extensions (counted and
// capped, otherwise ignored) and trailer fields (validated, discarded).
class ChunkedDecoder {
 public:
  ChunkedDecoder(const ParserLimits& limits, std::uint64_t max_body_bytes)
      : limits_(limits), max_body_bytes_(max_body_bytes) {}

  struct Step {
    std::size_t consumed = 0;  // bytes of `input` used; the rest belongs to the next request
    bool done = false;         // the last chunk and the trailer section were read
    int status = 0;            // non-zero: failed with this status (400 framing, 413 too large,
                               // 431 trailers too large); the connection must then be closed
    std::string_view detail;   // reason when failed
  };
  // Feeds bytes; decoded body bytes are appended to `body`. Call again with the unconsumed rest
  // plus new bytes until done or failed.
  [[nodiscard]] Step Feed(std::string_view input, std::string& body);

 private:
  enum class State {
    kSize,       // chunk-size hex digits
    kSizeWs,     // BWS after chunk-size; only ';' may follow
    kExtension,  // chunk-ext up to CR
    kSizeLf,     // LF ending the chunk-size line
    kData,       // chunk-data
    kDataCr,     // CR after chunk-data
    kDataLf,     // LF after chunk-data
    kTrailer,    // trailer section lines
    kDone,
    kFailed,
  };
  Step Fail(std::size_t consumed, int status, std::string_view detail);
  // Handles one trailer-section segment starting at input[i]; returns the new position.
  std::size_t FeedTrailer(std::string_view input, std::size_t i, Step& step);

  ParserLimits limits_;
  std::uint64_t max_body_bytes_;
  State state_ = State::kSize;
  std::uint64_t chunk_remaining_ = 0;
  int size_digits_ = 0;
  std::size_t extension_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::string line_;         // a partial trailer line carried between Feed calls
  bool ext_quoted_ = false;  // inside a quoted-string of a chunk-ext
  bool ext_escape_ = false;  // after a backslash inside that quoted-string
  int fail_status_ = 0;      // kFailed: the status returned again by later Feed calls
  std::string_view fail_detail_;
};

}  // namespace keel::http
