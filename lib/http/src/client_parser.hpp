// client_parser.hpp — strict HTTP/1.1 response parsing for the client (private to keel::http).
//
// Separate from the server's request parser because the grammar (status line, framing rules for
// HEAD/1xx/204/304, read-until-close bodies) differs. Strict for the same reason the server is: a
// response whose framing is ambiguous (Content-Length and Transfer-Encoding, conflicting lengths,
// obs-fold, bare LF) could desynchronise a pooled connection, so it is an error and the connection
// is closed rather than reused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keel/http/headers.hpp"

namespace keel::http {

struct ResponseLimits {
  std::size_t max_head_bytes = 64 * 1024;  // status line + header section
  std::size_t max_header_count = 100;
  std::uint64_t max_body_bytes = 8 * 1024 * 1024;
  std::size_t max_chunk_line = 1024;     // chunk-size line including extensions
  std::size_t max_trailer_bytes = 8192;  // trailer section, discarded
};

struct ResponseHead {
  int status = 0;
  int version_minor = 1;
  Headers headers;  // views into the parsed buffer
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;  // HTTP/1.1 without "Connection: close", or 1.0 with "keep-alive"
};

struct ResponseParse {
  enum class Kind { kComplete, kIncomplete, kFailed };
  Kind kind = Kind::kIncomplete;
  std::size_t consumed = 0;  // kComplete: bytes of the head including the final CRLF CRLF
  std::string_view detail;   // kFailed: a static reason
};

// Parses one response head at the start of `buffer` into `head` (cleared first). kIncomplete:
// call again with more bytes — unless max_head_bytes is already exceeded (then kFailed).
[[nodiscard]] ResponseParse ParseResponseHead(std::string_view buffer, const ResponseLimits& limits,
                                              ResponseHead& head);

enum class BodyFraming {
  kNone,        // HEAD request, 1xx, 204, 304
  kLength,      // Content-Length
  kChunked,     // Transfer-Encoding: chunked
  kUntilClose,  // neither: the body ends when the server closes (never reusable)
};
[[nodiscard]] BodyFraming FramingFor(const ResponseHead& head, bool head_request) noexcept;

// Incremental body reader for every framing; appends decoded bytes to `body`.
class ResponseBodyReader {
 public:
  ResponseBodyReader(BodyFraming framing, std::uint64_t content_length,
                     const ResponseLimits& limits) noexcept
      : framing_(framing), remaining_(content_length), limits_(limits) {}

  struct Step {
    std::size_t consumed = 0;  // bytes of the input used
    bool done = false;         // the body is complete
    std::string_view error;    // non-empty: malformed or too large (the connection must close)
  };
  // Feeds received bytes. Bytes after the end of the body are not consumed.
  [[nodiscard]] Step Feed(std::string_view input, std::string& body);
  // The server closed the connection: completes a read-until-close body, fails any other.
  [[nodiscard]] Step Finish() const noexcept;

 private:
  enum class Chunk { kSize, kExtension, kSizeLf, kData, kDataCr, kDataLf, kTrailer, kDone };
  Step FeedChunked(std::string_view input, std::string& body);
  Step Append(std::string_view bytes, std::string& body, std::size_t consumed, bool done);
  // One trailer line byte; returns false on a violation.
  bool FeedTrailerByte(char c, bool& done);

  BodyFraming framing_;
  std::uint64_t remaining_;  // kLength: bytes left; kChunked: bytes left in the current chunk
  ResponseLimits limits_;
  std::uint64_t body_bytes_ = 0;
  Chunk chunk_ = Chunk::kSize;
  int size_digits_ = 0;
  std::size_t line_bytes_ = 0;     // current chunk-size line / trailer line length
  std::size_t trailer_bytes_ = 0;  // whole trailer section
  bool trailer_cr_ = false;        // the current trailer line has seen its CR
};

}  // namespace keel::http
