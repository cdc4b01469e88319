#include "client_parser.hpp"

#include <algorithm>
#include <cctype>

namespace keel::http {

namespace {

bool IsTchar(unsigned char c) noexcept {
  if (std::isalnum(c) != 0) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// Field-value and reason-phrase bytes: VCHAR, SP, HTAB, obs-text; no other control characters.
bool IsFieldChar(unsigned char c) noexcept {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

int HexValue(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string_view TrimOws(std::string_view v) noexcept {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
    v.remove_prefix(1);
  }
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
    v.remove_suffix(1);
  }
  return v;
}

std::optional<std::uint64_t> ParseLength(std::string_view v) noexcept {
  if (v.empty() || v.size() > 19) {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

// Finds the end of the head (index after CRLF CRLF) or 0 when incomplete; a bare LF or a CR not
// followed by LF sets `bad`.
std::size_t FindHeadEnd(std::string_view b, bool& bad) noexcept {
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r')) {
      bad = true;
      return 0;
    }
    if (b[i] == '\r' && i + 1 < b.size() && b[i + 1] != '\n') {
      bad = true;
      return 0;
    }
    if (b[i] == '\n' && i >= 3 && b[i - 2] == '\n') {
      return i + 1;
    }
  }
  return 0;
}

// "HTTP/1.x SP 3DIGIT [SP reason]"
bool ParseStatusLine(std::string_view line, ResponseHead& head) noexcept {
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') {
    return false;
  }
  if (line[7] != '0' && line[7] != '1') {
    return false;
  }
  head.version_minor = line[7] - '0';
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      return false;
    }
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100) {
    return false;
  }
  head.status = status;
  if (line.size() == 12) {
    return true;  // no reason phrase: tolerated (RFC 9112 §4 makes it optional after the SP)
  }
  if (line[12] != ' ') {
    return false;
  }
  return std::all_of(line.begin() + 13, line.end(),
                     [](char c) { return IsFieldChar(static_cast<unsigned char>(c)); });
}

// Applies framing-relevant fields; returns a reason on violation.
std::string_view ApplyField(std::string_view name, std::string_view value, ResponseHead& head) {
  if (EqualsIgnoreCase(name, "content-length")) {
    const auto n = ParseLength(value);
    if (!n) {
      return "invalid Content-Length";
    }
    if (head.content_length && *head.content_length != *n) {
      return "conflicting Content-Length fields";
    }
    head.content_length = n;
  } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
    if (head.chunked || !EqualsIgnoreCase(value, "chunked")) {
      return "unsupported Transfer-Encoding (only a single 'chunked' is accepted)";
    }
    head.chunked = true;
  } else if (EqualsIgnoreCase(name, "connection")) {
    while (!value.empty()) {
      const auto comma = value.find(',');
      const auto token = TrimOws(value.substr(0, comma));
      if (EqualsIgnoreCase(token, "close")) {
        head.keep_alive = false;
      } else if (EqualsIgnoreCase(token, "keep-alive") && head.version_minor == 0) {
        head.keep_alive = true;
      }
      value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    }
  }
  return {};
}

// One "name: value" line; returns a reason on violation.
std::string_view ParseField(std::string_view line, ResponseHead& head) {
  if (line.front() == ' ' || line.front() == '\t') {
    return "obsolete line folding in a response header";
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return "malformed response header line";
  }
  const auto name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(),
                   [](char c) { return IsTchar(static_cast<unsigned char>(c)); })) {
    return "invalid character in a response header name";
  }
  const auto value = TrimOws(line.substr(colon + 1));
  if (!std::all_of(value.begin(), value.end(),
                   [](char c) { return IsFieldChar(static_cast<unsigned char>(c)); })) {
    return "invalid character in a response header value";
  }
  head.headers.Add(name, value);
  return ApplyField(name, value, head);
}

ResponseParse Failed(std::string_view detail) {
  return {.kind = ResponseParse::Kind::kFailed, .consumed = 0, .detail = detail};
}

}  // namespace

ResponseParse ParseResponseHead(std::string_view buffer, const ResponseLimits& limits,
                                ResponseHead& head) {
  head = ResponseHead{};
  bool bad = false;
  const std::size_t end = FindHeadEnd(buffer.substr(0, limits.max_head_bytes), bad);
  if (bad) {
    return Failed("bare CR or LF in the response head");
  }
  if (end == 0) {
    return buffer.size() >= limits.max_head_bytes ? Failed("response head too large")
                                                  : ResponseParse{};
  }
  std::string_view rest = buffer.substr(0, end - 2);  // each line below ends with CRLF
  auto next_line = [&rest] {
    const auto crlf = rest.find("\r\n");
    const auto line = rest.substr(0, crlf);
    rest.remove_prefix(crlf + 2);
    return line;
  };
  if (!ParseStatusLine(next_line(), head)) {
    return Failed("malformed status line");
  }
  head.keep_alive = head.version_minor == 1;
  while (!rest.empty()) {
    if (head.headers.size() >= limits.max_header_count) {
      return Failed("too many response header fields");
    }
    if (const auto reason = ParseField(next_line(), head); !reason.empty()) {
      return Failed(reason);
    }
  }
  if (head.chunked && head.content_length) {
    return Failed("response has both Content-Length and Transfer-Encoding");
  }
  return {.kind = ResponseParse::Kind::kComplete, .consumed = end, .detail = {}};
}

BodyFraming FramingFor(const ResponseHead& head, bool head_request) noexcept {
  if (head_request || head.status < 200 || head.status == 204 || head.status == 304) {
    return BodyFraming::kNone;
  }
  if (head.chunked) {
    return BodyFraming::kChunked;
  }
  if (head.content_length) {
    return BodyFraming::kLength;
  }
  return BodyFraming::kUntilClose;
}

ResponseBodyReader::Step ResponseBodyReader::Append(std::string_view bytes, std::string& body,
                                                    std::size_t consumed, bool done) {
  body_bytes_ += bytes.size();
  if (body_bytes_ > limits_.max_body_bytes) {
    return {.consumed = consumed, .done = false, .error = "response body too large"};
  }
  body.append(bytes);
  return {.consumed = consumed, .done = done, .error = {}};
}

ResponseBodyReader::Step ResponseBodyReader::Feed(std::string_view input, std::string& body) {
  switch (framing_) {
    case BodyFraming::kNone:
      return {.consumed = 0, .done = true, .error = {}};
    case BodyFraming::kLength: {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
      if (remaining_ > limits_.max_body_bytes) {
        return {.consumed = 0, .done = false, .error = "response body too large"};
      }
      remaining_ -= n;
      return Append(input.substr(0, n), body, n, remaining_ == 0);
    }
    case BodyFraming::kUntilClose:
      return Append(input, body, input.size(), false);
    case BodyFraming::kChunked:
      return FeedChunked(input, body);
  }
  return {};
}

ResponseBodyReader::Step ResponseBodyReader::Finish() const noexcept {
  if (framing_ == BodyFraming::kUntilClose) {
    return {.consumed = 0, .done = true, .error = {}};
  }
  return {.consumed = 0, .done = false, .error = "connection closed before the response ended"};
}

bool ResponseBodyReader::FeedTrailerByte(char c, bool& done) {
  if (trailer_cr_) {
    if (c != '\n') {
      return false;
    }
    done = line_bytes_ == 0;
    line_bytes_ = 0;
    trailer_cr_ = false;
    return true;
  }
  if (c == '\r') {
    trailer_cr_ = true;
    return true;
  }
  ++line_bytes_;
  return ++trailer_bytes_ <= limits_.max_trailer_bytes && c != '\n' &&
         IsFieldChar(static_cast<unsigned char>(c));
}

// One switch over the chunk states (RFC 9112 §7.1): longer than most functions here, but split
// into pieces the state machine would no longer read as one.
ResponseBodyReader::Step ResponseBodyReader::FeedChunked(std::string_view input,
                                                         std::string& body) {
  auto fail = [](std::size_t i, std::string_view why) {
    return Step{.consumed = i, .done = false, .error = why};
  };
  std::size_t i = 0;
  while (i < input.size() && chunk_ != Chunk::kDone) {
    const char c = input[i];
    switch (chunk_) {
      case Chunk::kSize: {
        const int digit = HexValue(c);
        if (digit >= 0) {
          if (++size_digits_ > 15) {
            return fail(i, "chunk size too large");
          }
          remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(digit);
        } else if (size_digits_ == 0) {
          return fail(i, "malformed chunk size");
        } else if (c == ';' || c == ' ' || c == '\t') {
          chunk_ = Chunk::kExtension;
        } else if (c == '\r') {
          chunk_ = Chunk::kSizeLf;
        } else {
          return fail(i, "malformed chunk size");
        }
        ++line_bytes_;
        ++i;
        break;
      }
      case Chunk::kExtension:
        if (c == '\r') {
          chunk_ = Chunk::kSizeLf;
        } else if (!IsFieldChar(static_cast<unsigned char>(c))) {
          return fail(i, "malformed chunk extension");
        }
        if (++line_bytes_ > limits_.max_chunk_line) {
          return fail(i, "chunk line too long");
        }
        ++i;
        break;
      case Chunk::kSizeLf:
        if (c != '\n') {
          return fail(i, "malformed chunk size line");
        }
        chunk_ = remaining_ == 0 ? Chunk::kTrailer : Chunk::kData;
        line_bytes_ = 0;
        ++i;
        break;
      case Chunk::kData: {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size() - i));
        if (auto s = Append(input.substr(i, n), body, i + n, false); !s.error.empty()) {
          return s;
        }
        remaining_ -= n;
        i += n;
        if (remaining_ == 0) {
          chunk_ = Chunk::kDataCr;
        }
        break;
      }
      case Chunk::kDataCr:
        if (c != '\r') {
          return fail(i, "chunk data longer than its size");
        }
        chunk_ = Chunk::kDataLf;
        ++i;
        break;
      case Chunk::kDataLf:
        if (c != '\n') {
          return fail(i, "malformed chunk terminator");
        }
        chunk_ = Chunk::kSize;
        size_digits_ = 0;
        ++i;
        break;
      case Chunk::kTrailer: {
        bool done = false;
        if (!FeedTrailerByte(c, done)) {
          return fail(i, "malformed or too large trailer section");
        }
        ++i;
        if (done) {
          chunk_ = Chunk::kDone;
        }
        break;
      }
      case Chunk::kDone:
        break;
    }
  }
  return {.consumed = i, .done = chunk_ == Chunk::kDone, .error = {}};
}

}  // namespace keel::http
