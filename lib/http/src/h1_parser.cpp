// h1_parser.cpp — strict, zero-copy HTTP/1.1 request-head parser and chunked-body decoder
// (RFC 9112, RFC 9110). See h1_parser.hpp for the contract.
//
// Design: ParseRequestHead is stateless and re-parses from the start of the buffer on every call;
// it scans line by line (memchr for LF, then one table-driven pass over the line) and never
// allocates except for the growth of RequestHead::headers. All limits are enforced on the bytes
// seen so far, so an incomplete head that can no longer fit its limit fails at once.
#include "h1_parser.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace keel::http {

namespace {

// ---------------------------------------------------------------------------------------------
// Character classes (one table, one bit per class).

constexpr std::uint8_t kTokenBit = 1;   // tchar (RFC 9110 §5.6.2)
constexpr std::uint8_t kTargetBit = 2;  // visible ASCII 0x21-0x7E (request-target bytes)
constexpr std::uint8_t kValueBit = 4;   // field-value byte: HTAB, SP, VCHAR, obs-text
constexpr std::uint8_t kQdtextBit = 8;  // qdtext (RFC 9110 §5.6.4): HTAB SP ! #-[ ]-~ obs-text

constexpr std::array<std::uint8_t, 256> MakeClassTable() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::uint8_t bits = 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    bool tchar = alpha || digit;
    for (const char* s = "!#$%&'*+-.^_`|~"; *s != '\0'; ++s) {
      if (c == *s)
        tchar = true;
    }
    if (tchar)
      bits |= kTokenBit;
    if (c >= 0x21 && c <= 0x7E)
      bits |= kTargetBit;
    if (c == '\t' || (c >= 0x20 && c <= 0x7E) || c >= 0x80)
      bits |= kValueBit;
    if (c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) ||
        (c >= 0x5D && c <= 0x7E) || c >= 0x80) {
      bits |= kQdtextBit;
    }
    t[static_cast<std::size_t>(c)] = bits;
  }
  return t;
}

constexpr std::array<std::uint8_t, 256> kClass = MakeClassTable();

constexpr std::array<std::int8_t, 256> MakeHexTable() {
  std::array<std::int8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::int8_t v = -1;
    if (c >= '0' && c <= '9')
      v = static_cast<std::int8_t>(c - '0');
    if (c >= 'a' && c <= 'f')
      v = static_cast<std::int8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
      v = static_cast<std::int8_t>(c - 'A' + 10);
    t[static_cast<std::size_t>(c)] = v;
  }
  return t;
}

constexpr std::array<std::int8_t, 256> kHex = MakeHexTable();

inline unsigned char U8(char c) noexcept {
  return static_cast<unsigned char>(c);
}
inline bool Is(char c, std::uint8_t bit) noexcept {
  return (kClass[U8(c)] & bit) != 0;
}
inline bool IsWs(char c) noexcept {
  return c == ' ' || c == '\t';
}

// `s` equals `lower` (lowercase letters, digits and '-') ignoring ASCII case. Only valid for
// tokens: for tchar bytes, (c | 0x20) maps exactly the upper-case letters onto the lower-case ones
// and leaves '-' and digits unchanged.
inline bool TokenIs(std::string_view s, std::string_view lower) noexcept {
  if (s.size() != lower.size())
    return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((U8(s[i]) | 0x20) != U8(lower[i]))
      return false;
  }
  return true;
}

inline bool StartsWithIgnoreCase(std::string_view s, std::string_view lower) noexcept {
  return s.size() >= lower.size() && TokenIs(s.substr(0, lower.size()), lower);
}

inline std::string_view TrimWs(std::string_view s) noexcept {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && IsWs(s[b]))
    ++b;
  while (e > b && IsWs(s[e - 1]))
    --e;
  return s.substr(b, e - b);
}

inline bool IsToken(std::string_view s) noexcept {
  if (s.empty())
    return false;
  for (char c : s) {
    if (!Is(c, kTokenBit))
      return false;
  }
  return true;
}

// Calls f(element) for each non-empty, OWS-trimmed element of a comma-separated list
// (RFC 9110 §5.6.1: empty elements are ignored). Returns the number of non-empty elements, or
// stops early and returns -1 when f returns false.
template <typename F>
inline int ForEachListElement(std::string_view list, F&& f) {
  int count = 0;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos)
      comma = list.size();
    const std::string_view element = TrimWs(list.substr(start, comma - start));
    if (!element.empty()) {
      ++count;
      if (!f(element))
        return -1;
    }
    start = comma + 1;
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// Failure reasons (static strings, returned as ParseOutcome::detail / Step::detail).

namespace reason {
constexpr std::string_view kBareCr =
    "bare CR (CR not followed by LF) is not allowed (RFC 9112 §2.2)";
constexpr std::string_view kBareLf =
    "bare LF (LF not preceded by CR) is not allowed (RFC 9112 §2.2)";
constexpr std::string_view kNul = "NUL byte is not allowed in a message (RFC 9110 §5.5)";
constexpr std::string_view kTooManyEmptyLines =
    "more than 2 empty lines before the request-line (RFC 9112 §2.2)";
constexpr std::string_view kRequestLineTooLong =
    "request-line longer than max_request_line (RFC 9112 §3)";
constexpr std::string_view kEmptyMethod = "empty method in request-line (RFC 9112 §3)";
constexpr std::string_view kBadMethod = "invalid character in method token (RFC 9110 §9.1)";
constexpr std::string_view kMissingTarget =
    "request-line has no request-target (RFC 9112 §3: method SP request-target SP HTTP-version)";
constexpr std::string_view kEmptyTarget =
    "empty request-target or more than one SP in request-line (RFC 9112 §3)";
constexpr std::string_view kBadTargetChar =
    "invalid character in request-target: only visible ASCII is allowed (RFC 9112 §3.2)";
constexpr std::string_view kMissingVersion = "request-line has no HTTP-version (RFC 9112 §3)";
constexpr std::string_view kBadVersion =
    "malformed HTTP-version: expected HTTP/DIGIT.DIGIT (RFC 9112 §2.3)";
constexpr std::string_view kVersionNotSupported =
    "HTTP major version not supported: only HTTP/1.x (RFC 9110 §2.5, §15.6.6)";
constexpr std::string_view kAsteriskNotOptions =
    "asterisk-form request-target is only allowed with OPTIONS (RFC 9112 §3.2.4)";
constexpr std::string_view kConnectNeedsAuthority =
    "CONNECT requires an authority-form request-target host:port (RFC 9112 §3.2.3)";
constexpr std::string_view kBadAbsoluteForm =
    "absolute-form request-target has an empty authority (RFC 9110 §4.2.1)";
constexpr std::string_view kBadTargetForm =
    "request-target is neither origin-form nor absolute-form (RFC 9112 §3.2)";
constexpr std::string_view kHeaderSectionTooLarge =
    "header section larger than max_header_bytes (RFC 6585 §5)";
constexpr std::string_view kTooManyHeaders =
    "more header fields than max_header_count (RFC 6585 §5)";
constexpr std::string_view kWsBeforeFirstField =
    "whitespace between the start-line and the first header field (RFC 9112 §2.2)";
constexpr std::string_view kObsFold = "obs-fold in header field is not allowed (RFC 9112 §5.2)";
constexpr std::string_view kNoColon = "header field line has no colon (RFC 9112 §5)";
constexpr std::string_view kEmptyFieldName = "empty header field name (RFC 9110 §5.1)";
constexpr std::string_view kWsBeforeColon =
    "whitespace between header field name and colon is not allowed (RFC 9112 §5.1)";
constexpr std::string_view kBadFieldName =
    "invalid character in header field name: must be a token (RFC 9110 §5.1)";
constexpr std::string_view kBadFieldValue =
    "control character in header field value is not allowed (RFC 9110 §5.5)";
constexpr std::string_view kEmptyContentLength = "empty Content-Length value (RFC 9110 §8.6)";
constexpr std::string_view kBadContentLength =
    "Content-Length must be 1*DIGIT: no sign, list, hex or inner whitespace (RFC 9110 §8.6)";
constexpr std::string_view kContentLengthTooLarge =
    "Content-Length has more than 19 digits (RFC 9110 §8.6)";
constexpr std::string_view kDuplicateContentLength =
    "more than one Content-Length field (RFC 9112 §6.3)";
constexpr std::string_view kEmptyTransferEncoding = "empty Transfer-Encoding value (RFC 9112 §6.1)";
constexpr std::string_view kBadTransferCoding = "invalid transfer-coding token (RFC 9112 §7)";
constexpr std::string_view kChunkedWithParameters =
    "the chunked transfer-coding takes no parameters (RFC 9112 §7.1)";
constexpr std::string_view kTeAndContentLength =
    "both Transfer-Encoding and Content-Length present (RFC 9112 §6.1, §6.3)";
constexpr std::string_view kTeInHttp10 = "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)";
constexpr std::string_view kChunkedTwice =
    "chunked applied more than once in Transfer-Encoding (RFC 9112 §6.1)";
constexpr std::string_view kChunkedNotFinal =
    "final transfer-coding of a request is not chunked (RFC 9112 §6.3)";
constexpr std::string_view kUnsupportedCoding =
    "transfer-coding other than chunked is not implemented (RFC 9112 §6.1)";
constexpr std::string_view kDuplicateHost = "more than one Host field (RFC 9112 §3.2)";
constexpr std::string_view kMissingHost = "HTTP/1.1 request without Host field (RFC 9112 §3.2)";
constexpr std::string_view kBadExpectation =
    "unsupported expectation: only 100-continue (RFC 9110 §10.1.1)";

constexpr std::string_view kChunkSizeMissing = "chunk-size must be 1*HEXDIG (RFC 9112 §7.1)";
constexpr std::string_view kChunkSizeBadChar =
    "invalid character after chunk-size: expected ';' or CRLF (RFC 9112 §7.1)";
constexpr std::string_view kChunkSizeTooLong =
    "chunk-size has more than 16 hex digits (RFC 9112 §7.1)";
constexpr std::string_view kChunkSizeWs =
    "whitespace after chunk-size is only allowed before ';' (RFC 9112 §7.1.1)";
constexpr std::string_view kBodyTooLarge = "chunked body larger than max_body_bytes";
constexpr std::string_view kChunkExtTooLarge =
    "chunk extensions larger than max_chunk_extension_bytes (RFC 9112 §7.1.1)";
constexpr std::string_view kBadChunkExt = "invalid character in chunk-ext (RFC 9112 §7.1.1)";
constexpr std::string_view kRunawayChunk =
    "runaway chunk: chunk-data not followed by CRLF (RFC 9112 §7.1)";
constexpr std::string_view kTrailerTooLarge =
    "trailer section larger than max_trailer_bytes (RFC 6585 §5)";
}  // namespace reason

// The reason for an unexpected byte: bare CR and NUL get their own, precise messages.
inline std::string_view BadByte(char c, std::string_view otherwise) noexcept {
  if (c == '\r')
    return reason::kBareCr;
  if (c == '\0')
    return reason::kNul;
  return otherwise;
}

struct Error {
  int status = 0;  // 0: no error
  std::string_view detail;
  explicit operator bool() const noexcept { return status != 0; }
};

// The reason for an unexpected byte in a chunk-size line.
inline std::string_view BadChunkByte(char c, std::string_view otherwise) noexcept {
  if (c == '\n')
    return reason::kBareLf;
  if (c == '\0')
    return reason::kNul;
  return otherwise;
}

inline ParseOutcome Failed(int status, std::string_view detail) {
  ParseOutcome out;
  out.kind = ParseOutcome::Kind::kFailed;
  out.status = status;
  out.detail = detail;
  return out;
}

inline ParseOutcome Incomplete() {
  return ParseOutcome{};
}

// ---------------------------------------------------------------------------------------------
// Request line.

// Validates `line` (without CRLF) as `method SP request-target SP HTTP-version`. With
// `complete == false` the line may be cut short anywhere and only the bytes present are checked
// (used to reject garbage before the request-line is complete); nothing is stored in `head`.
Error ScanRequestLine(std::string_view line, bool complete, RequestHead& head) {
  const char* p = line.data();
  const std::size_t n = line.size();
  std::size_t i = 0;

  while (i < n && Is(p[i], kTokenBit))
    ++i;
  if (i == n) {
    if (!complete)
      return {};
    return {400, i == 0 ? reason::kEmptyMethod : reason::kMissingTarget};
  }
  if (p[i] != ' ')
    return {400, BadByte(p[i], reason::kBadMethod)};
  if (i == 0)
    return {400, reason::kEmptyMethod};
  const std::size_t method_end = i++;

  const std::size_t target_begin = i;
  while (i < n && Is(p[i], kTargetBit))
    ++i;
  if (i == n) {
    if (!complete)
      return {};
    return {400, i == target_begin ? reason::kEmptyTarget : reason::kMissingVersion};
  }
  if (p[i] != ' ')
    return {400, BadByte(p[i], reason::kBadTargetChar)};
  if (i == target_begin)
    return {400, reason::kEmptyTarget};
  const std::size_t target_end = i++;

  // HTTP-version = "HTTP/" DIGIT "." DIGIT (case-sensitive).
  constexpr std::string_view kPattern = "HTTP/0.0";
  const std::string_view version = line.substr(i);
  for (std::size_t k = 0; k < version.size(); ++k) {
    const char c = version[k];
    const bool ok = k >= kPattern.size() ? false
                    : (k == 5 || k == 7) ? (c >= '0' && c <= '9')
                                         : c == kPattern[k];
    if (!ok)
      return {400, BadByte(c, reason::kBadVersion)};
  }
  if (!complete)
    return {};
  if (version.size() != kPattern.size()) {
    return {400, version.empty() ? reason::kMissingVersion : reason::kBadVersion};
  }
  if (version[5] != '1')
    return {505, reason::kVersionNotSupported};
  // HTTP/1.x with x >= 2: answer as HTTP/1.1 (RFC 9110 §2.5).
  head.version_minor = version[7] == '0' ? 0 : 1;

  head.method_text = line.substr(0, method_end);
  head.method = ParseMethod(head.method_text);
  const std::string_view target = line.substr(target_begin, target_end - target_begin);
  head.target = target;

  if (head.method == Method::kConnect) {
    // authority-form = uri-host ":" port; no path, query, fragment or userinfo.
    const std::size_t colon = target.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == target.size() ||
        target.find_first_of("/?#@") != std::string_view::npos) {
      return {400, reason::kConnectNeedsAuthority};
    }
    for (std::size_t k = colon + 1; k < target.size(); ++k) {
      if (target[k] < '0' || target[k] > '9')
        return {400, reason::kConnectNeedsAuthority};
    }
    return {};
  }
  if (target[0] == '/')
    return {};  // origin-form
  if (target.size() == 1 && target[0] == '*') {
    if (head.method != Method::kOptions)
      return {400, reason::kAsteriskNotOptions};
    return {};
  }
  std::size_t scheme_len = 0;
  if (StartsWithIgnoreCase(target, "http://")) {
    scheme_len = 7;
  } else if (StartsWithIgnoreCase(target, "https://")) {
    scheme_len = 8;
  } else {
    return {400, reason::kBadTargetForm};
  }
  if (target.size() == scheme_len || target[scheme_len] == '/' || target[scheme_len] == '?' ||
      target[scheme_len] == '#') {
    return {400, reason::kBadAbsoluteForm};
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Header field lines (shared by the header section and the trailer section).

// Parses one field line `line` (without CRLF, not empty) into name and trimmed value.
Error ParseFieldLine(std::string_view line, std::string_view& name, std::string_view& value) {
  const char* p = line.data();
  const std::size_t n = line.size();
  if (IsWs(p[0]))
    return {400, reason::kObsFold};
  std::size_t i = 0;
  while (i < n && Is(p[i], kTokenBit))
    ++i;
  if (i == n)
    return {400, reason::kNoColon};
  if (p[i] != ':') {
    if (IsWs(p[i]))
      return {400, reason::kWsBeforeColon};
    return {400, BadByte(p[i], reason::kBadFieldName)};
  }
  if (i == 0)
    return {400, reason::kEmptyFieldName};
  name = line.substr(0, i);
  ++i;
  while (i < n && IsWs(p[i]))
    ++i;
  const std::size_t value_begin = i;
  while (i < n && Is(p[i], kValueBit))
    ++i;
  if (i != n)
    return {400, BadByte(p[i], reason::kBadFieldValue)};
  std::size_t value_end = n;
  while (value_end > value_begin && IsWs(p[value_end - 1]))
    --value_end;
  value = line.substr(value_begin, value_end - value_begin);
  return {};
}

// What the framing-relevant fields said, gathered while scanning the header section.
struct FramingState {
  int content_length_fields = 0;
  int host_fields = 0;
  bool te_present = false;
  int te_chunked = 0;            // how many times chunked appeared
  bool te_last_chunked = false;  // the last coding so far is chunked
  bool te_other = false;         // some coding other than chunked appeared
  bool conn_close = false;
  bool conn_keep_alive = false;
  bool expect_continue = false;
  bool expect_other = false;
};

Error ParseContentLength(std::string_view v, RequestHead& head) {
  if (v.empty())
    return {400, reason::kEmptyContentLength};
  // 19 decimal digits are at most 9'999'999'999'999'999'999 < 2^64 - 1: no overflow possible.
  static_assert(std::numeric_limits<std::uint64_t>::max() / 10 >= 999'999'999'999'999'999ULL);
  for (char c : v) {
    if (c < '0' || c > '9')
      return {400, reason::kBadContentLength};
  }
  if (v.size() > 19)
    return {400, reason::kContentLengthTooLarge};
  std::uint64_t n = 0;
  for (char c : v)
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  head.content_length = n;
  return {};
}

Error ParseTransferEncoding(std::string_view v, FramingState& f) {
  f.te_present = true;
  Error err;
  const int count = ForEachListElement(v, [&](std::string_view coding) {
    // transfer-coding = token *( OWS ";" OWS transfer-parameter )
    const std::size_t semi = coding.find(';');
    const std::string_view name = TrimWs(coding.substr(0, semi));
    if (!IsToken(name)) {
      err = {400, reason::kBadTransferCoding};
      return false;
    }
    if (TokenIs(name, "chunked")) {
      if (semi != std::string_view::npos) {
        err = {400, reason::kChunkedWithParameters};
        return false;
      }
      ++f.te_chunked;
      f.te_last_chunked = true;
    } else {
      f.te_other = true;
      f.te_last_chunked = false;
    }
    return true;
  });
  if (err)
    return err;
  if (count == 0)
    return {400, reason::kEmptyTransferEncoding};
  return {};
}

// Classifies one header field by name and records what the framing rules need.
inline Error NoteField(std::string_view name, std::string_view value, RequestHead& head,
                       FramingState& f) {
  switch (name.size()) {
    case 4:
      if (TokenIs(name, "host")) {
        if (++f.host_fields > 1)
          return {400, reason::kDuplicateHost};
        head.host = value;
      }
      break;
    case 6:
      if (TokenIs(name, "expect")) {
        ForEachListElement(value, [&](std::string_view e) {
          if (TokenIs(e, "100-continue")) {
            f.expect_continue = true;
          } else {
            f.expect_other = true;
          }
          return true;
        });
      }
      break;
    case 10:
      if (TokenIs(name, "connection")) {
        ForEachListElement(value, [&](std::string_view option) {
          if (TokenIs(option, "close")) {
            f.conn_close = true;
          } else if (TokenIs(option, "keep-alive")) {
            f.conn_keep_alive = true;
          }
          return true;
        });
      }
      break;
    case 14:
      if (TokenIs(name, "content-length")) {
        if (++f.content_length_fields > 1)
          return {400, reason::kDuplicateContentLength};
        return ParseContentLength(value, head);
      }
      break;
    case 17:
      if (TokenIs(name, "transfer-encoding"))
        return ParseTransferEncoding(value, f);
      break;
    default:
      break;
  }
  return {};
}

// The checks that need the whole header section, in order: framing (400/501), Host (400),
// expectations (417).
Error FinishHead(const FramingState& f, RequestHead& head) {
  if (f.te_present) {
    if (f.content_length_fields > 0)
      return {400, reason::kTeAndContentLength};
    if (head.version_minor == 0)
      return {400, reason::kTeInHttp10};
    if (f.te_chunked > 1)
      return {400, reason::kChunkedTwice};
    if (!f.te_last_chunked)
      return {400, reason::kChunkedNotFinal};
    if (f.te_other)
      return {501, reason::kUnsupportedCoding};
    head.chunked = true;
  }
  if (head.version_minor >= 1 && f.host_fields == 0)
    return {400, reason::kMissingHost};
  if (f.expect_other)
    return {417, reason::kBadExpectation};
  // A 100-continue expectation in an HTTP/1.0 request is ignored (RFC 9110 §10.1.1).
  head.expect_continue = f.expect_continue && head.version_minor >= 1;
  head.keep_alive = !f.conn_close && (head.version_minor >= 1 || f.conn_keep_alive);
  return {};
}

void ResetHead(RequestHead& head) {
  head.method = Method::kGet;
  head.method_text = {};
  head.target = {};
  head.version_minor = 1;
  head.headers.Clear();  // keeps the vector's capacity for the next request on this connection
  head.content_length.reset();
  head.chunked = false;
  head.keep_alive = true;
  head.expect_continue = false;
  head.host = {};
}

}  // namespace

ParseOutcome ParseRequestHead(std::string_view buffer, const ParserLimits& limits,
                              RequestHead& head) {
  ResetHead(head);
  const char* const b = buffer.data();
  const std::size_t size = buffer.size();

  // Up to two empty lines before the request-line are ignored (RFC 9112 §2.2).
  std::size_t line_start = 0;
  for (int empty = 0;; ++empty) {
    if (line_start == size)
      return Incomplete();
    if (b[line_start] == '\n')
      return Failed(400, reason::kBareLf);
    if (b[line_start] != '\r')
      break;
    if (line_start + 1 == size)
      return Incomplete();
    if (b[line_start + 1] != '\n')
      return Failed(400, reason::kBareCr);
    if (empty == 2)
      return Failed(400, reason::kTooManyEmptyLines);
    line_start += 2;
  }

  // Request line: find its LF within max_request_line + CRLF bytes.
  const std::size_t max_line = limits.max_request_line;
  const std::size_t rem = size - line_start;
  const std::size_t window = rem > max_line ? std::min(rem, max_line + 2) : rem;
  const void* lf_ptr = std::memchr(b + line_start, '\n', window);
  if (lf_ptr == nullptr) {
    // Enforce the limit on the bytes seen so far, then reject garbage early.
    if (rem - 1 > max_line || (rem - 1 == max_line && buffer.back() != '\r')) {
      return Failed(414, reason::kRequestLineTooLong);
    }
    std::string_view partial(b + line_start, rem);
    if (partial.back() == '\r')
      partial.remove_suffix(1);  // its LF may come next
    if (const Error err = ScanRequestLine(partial, false, head)) {
      return Failed(err.status, err.detail);
    }
    return Incomplete();
  }
  // lf > line_start: the line does not start with LF (checked above).
  const std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(lf_ptr) - b);
  const bool has_cr = b[lf - 1] == '\r';
  if (lf - line_start - (has_cr ? 1 : 0) > max_line) {
    return Failed(414, reason::kRequestLineTooLong);
  }
  if (!has_cr)
    return Failed(400, reason::kBareLf);
  if (const Error err =
          ScanRequestLine(std::string_view(b + line_start, lf - 1 - line_start), true, head)) {
    return Failed(err.status, err.detail);
  }

  // Header section: every byte of it, up to and including the empty line, must lie within
  // [header_start, limit).
  const std::size_t header_start = lf + 1;
  const bool over = size - header_start > limits.max_header_bytes;
  const std::size_t limit = over ? header_start + limits.max_header_bytes : size;
  FramingState framing;
  std::size_t pos = header_start;
  for (;;) {
    const void* found = pos < limit ? std::memchr(b + pos, '\n', limit - pos) : nullptr;
    if (found == nullptr) {
      if (over)
        return Failed(431, reason::kHeaderSectionTooLarge);
      return Incomplete();
    }
    const std::size_t eol = static_cast<std::size_t>(static_cast<const char*>(found) - b);
    if (eol == pos || b[eol - 1] != '\r')
      return Failed(400, reason::kBareLf);
    if (eol - 1 == pos) {  // the empty line ending the header section
      pos = eol + 1;
      break;
    }
    if (pos == header_start && IsWs(b[pos]))
      return Failed(400, reason::kWsBeforeFirstField);
    if (head.headers.size() >= limits.max_header_count) {
      return Failed(431, reason::kTooManyHeaders);
    }
    std::string_view name;
    std::string_view value;
    if (Error err = ParseFieldLine(std::string_view(b + pos, eol - 1 - pos), name, value)) {
      return Failed(err.status, err.detail);
    }
    // The field is complete only once the next line is known not to continue it (obs-fold), so
    // that a folded "Transfer-Encoding:\r\n chunked" is reported as obs-fold, not as empty.
    if (eol + 1 == size)
      return Incomplete();
    if (IsWs(b[eol + 1]))
      return Failed(400, reason::kObsFold);
    if (Error err = NoteField(name, value, head, framing))
      return Failed(err.status, err.detail);
    head.headers.Add(name, value);
    pos = eol + 1;
  }

  if (const Error err = FinishHead(framing, head))
    return Failed(err.status, err.detail);
  ParseOutcome out;
  out.kind = ParseOutcome::Kind::kComplete;
  out.consumed = pos;
  return out;
}

// ---------------------------------------------------------------------------------------------
// ChunkedDecoder

ChunkedDecoder::Step ChunkedDecoder::Fail(std::size_t consumed, int status,
                                          std::string_view detail) {
  state_ = State::kFailed;
  fail_status_ = status;
  fail_detail_ = detail;
  line_.clear();
  Step step;
  step.consumed = consumed;
  step.status = status;
  step.detail = detail;
  return step;
}

ChunkedDecoder::Step ChunkedDecoder::Feed(std::string_view input, std::string& body) {
  Step step;
  if (state_ == State::kDone) {
    step.done = true;
    return step;
  }
  if (state_ == State::kFailed) {
    step.status = fail_status_;
    step.detail = fail_detail_;
    return step;
  }

  const char* const p = input.data();
  const std::size_t n = input.size();
  std::size_t i = 0;
  while (i < n) {
    switch (state_) {
      case State::kSize: {
        const char c = p[i];
        const int v = kHex[U8(c)];
        if (v >= 0) {
          if (size_digits_ == 16)
            return Fail(i, 400, reason::kChunkSizeTooLong);
          chunk_remaining_ = (chunk_remaining_ << 4) | static_cast<std::uint64_t>(v);
          ++size_digits_;
          ++i;
          break;
        }
        if (size_digits_ == 0) {
          return Fail(i, 400, BadChunkByte(c, reason::kChunkSizeMissing));
        }
        // The size is complete: a malformed one (above) is a framing error (400) first; only a
        // well-formed size can be "too large" (413). body_bytes_ <= max_body_bytes_ always
        // holds, so the subtraction cannot wrap.
        if (chunk_remaining_ > max_body_bytes_ - body_bytes_) {
          return Fail(i, 413, reason::kBodyTooLarge);
        }
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == ';') {
          state_ = State::kExtension;
          if (++extension_bytes_ > limits_.max_chunk_extension_bytes) {
            return Fail(i, 400, reason::kChunkExtTooLarge);
          }
        } else if (IsWs(c)) {
          state_ = State::kSizeWs;
          if (++extension_bytes_ > limits_.max_chunk_extension_bytes) {
            return Fail(i, 400, reason::kChunkExtTooLarge);
          }
        } else {
          return Fail(i, 400, BadChunkByte(c, reason::kChunkSizeBadChar));
        }
        ++i;
        break;
      }

      case State::kSizeWs: {
        const char c = p[i];
        if (c == ';') {
          state_ = State::kExtension;
        } else if (!IsWs(c)) {
          return Fail(i, 400, reason::kChunkSizeWs);
        }
        if (++extension_bytes_ > limits_.max_chunk_extension_bytes) {
          return Fail(i, 400, reason::kChunkExtTooLarge);
        }
        ++i;
        break;
      }

      case State::kExtension: {
        // Loose chunk-ext validation: tokens, '=', ';', BWS and quoted-strings; no CTL but HTAB.
        const char c = p[i];
        if (ext_escape_) {
          if (!Is(c, kValueBit))
            return Fail(i, 400, BadChunkByte(c, reason::kBadChunkExt));
          ext_escape_ = false;
        } else if (ext_quoted_) {
          if (c == '"') {
            ext_quoted_ = false;
          } else if (c == '\\') {
            ext_escape_ = true;
          } else if (!Is(c, kQdtextBit)) {
            return Fail(i, 400, BadChunkByte(c, reason::kBadChunkExt));
          }
        } else if (c == '\r') {
          state_ = State::kSizeLf;
          ++i;
          break;
        } else if (c == '"') {
          ext_quoted_ = true;
        } else if (!Is(c, kTokenBit) && c != ';' && c != '=' && !IsWs(c)) {
          return Fail(i, 400, BadChunkByte(c, reason::kBadChunkExt));
        }
        if (++extension_bytes_ > limits_.max_chunk_extension_bytes) {
          return Fail(i, 400, reason::kChunkExtTooLarge);
        }
        ++i;
        break;
      }

      case State::kSizeLf:
        if (p[i] != '\n')
          return Fail(i, 400, reason::kBareCr);
        ++i;
        body_bytes_ += chunk_remaining_;
        size_digits_ = 0;
        state_ = chunk_remaining_ == 0 ? State::kTrailer : State::kData;
        break;

      case State::kData: {
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk_remaining_, n - i));
        body.append(p + i, take);
        i += take;
        chunk_remaining_ -= take;
        if (chunk_remaining_ == 0)
          state_ = State::kDataCr;
        break;
      }

      case State::kDataCr:
        if (p[i] != '\r') {
          return Fail(i, 400, p[i] == '\n' ? reason::kBareLf : reason::kRunawayChunk);
        }
        ++i;
        state_ = State::kDataLf;
        break;

      case State::kDataLf:
        if (p[i] != '\n')
          return Fail(i, 400, reason::kBareCr);
        ++i;
        state_ = State::kSize;
        break;

      case State::kTrailer:
        i = FeedTrailer(input, i, step);
        if (step.status != 0 || step.done)
          return step;
        break;

      case State::kDone:
      case State::kFailed:
        // Unreachable: kDone and kFailed return from within the loop.
        step.consumed = i;
        return step;
    }
  }
  step.consumed = i;
  return step;
}

std::size_t ChunkedDecoder::FeedTrailer(std::string_view input, std::size_t i, Step& step) {
  const char* const p = input.data();
  const std::size_t n = input.size();
  const void* found = std::memchr(p + i, '\n', n - i);
  const std::size_t end =
      found != nullptr ? static_cast<std::size_t>(static_cast<const char*>(found) - p) + 1 : n;
  const std::size_t len = end - i;
  if (len > limits_.max_trailer_bytes - trailer_bytes_) {
    step = Fail(i, 431, reason::kTrailerTooLarge);
    return i;
  }
  trailer_bytes_ += len;
  if (found == nullptr) {  // a partial line: keep it for the next Feed
    line_.append(p + i, len);
    return end;
  }
  std::string_view line(p + i, len);
  if (!line_.empty()) {
    line_.append(p + i, len);
    line = line_;
  }
  line.remove_suffix(1);  // LF
  if (line.empty() || line.back() != '\r') {
    step = Fail(end - 1, 400, reason::kBareLf);
    return end - 1;
  }
  line.remove_suffix(1);  // CR
  if (line.empty()) {     // the empty line ending the trailer section
    state_ = State::kDone;
    line_.clear();
    step.done = true;
    step.consumed = end;
    return end;
  }
  std::string_view name;
  std::string_view value;
  if (const Error err = ParseFieldLine(line, name, value)) {
    step = Fail(end - 1, err.status, err.detail);
    return end - 1;
  }
  line_.clear();  // trailer fields are validated and discarded
  return end;
}

}  // namespace keel::http
