#include "response_parser.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace keel::load {

namespace {

constexpr uint64_t kMaxChunk = uint64_t{1} << 60;

char Lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool IEquals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == y; });
}

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Calls f(token) for each comma-separated, trimmed, non-empty token of a header value.
template <typename F>
void ForEachToken(std::string_view value, F&& f) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    const auto token = Trim(value.substr(0, comma));
    if (!token.empty()) {
      f(token);
    }
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
  }
}

// The line ending at the first '\n' (without "\r\n"), or npos when no '\n' is there yet.
std::size_t LineEnd(const char* data, std::size_t size) noexcept {
  const void* nl = std::memchr(data, '\n', size);
  return nl == nullptr ? std::string_view::npos
                       : static_cast<std::size_t>(static_cast<const char*>(nl) - data);
}

std::string_view LineText(const char* data, std::size_t end) noexcept {
  std::string_view line(data, end);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

}  // namespace

void ResponseParser::Reset(bool head_request) noexcept {
  *this = ResponseParser();
  head_request_ = head_request;
}

std::size_t ResponseParser::Fail(const char* why) noexcept {
  phase_ = Phase::kError;
  error_ = why;
  return 0;
}

ResponseParser::Step ResponseParser::Parse(const char* data, std::size_t size) noexcept {
  std::size_t pos = 0;
  while (true) {
    if (phase_ == Phase::kDone || phase_ == Phase::kError) {
      return {pos, phase_ == Phase::kDone ? State::kDone : State::kError};
    }
    const char* p = data + pos;
    const std::size_t n = size - pos;
    std::size_t used = 0;
    switch (phase_) {
      case Phase::kHead:
        used = ParseHeadPhase(p, n);
        break;
      case Phase::kBody:
      case Phase::kChunkData:
        used = static_cast<std::size_t>(std::min<uint64_t>(remaining_, n));
        remaining_ -= used;
        body_bytes_ += used;
        if (remaining_ == 0) {
          phase_ = phase_ == Phase::kBody ? Phase::kDone : Phase::kChunkCrlf;
        }
        break;
      case Phase::kChunkSize:
        used = ParseChunkSize(p, n);
        break;
      case Phase::kChunkCrlf:
        used = ParseChunkCrlf(p, n);
        break;
      case Phase::kTrailer:
        used = ParseTrailer(p, n);
        break;
      case Phase::kUntilClose:
        used = n;
        body_bytes_ += n;
        break;
      case Phase::kDone:
      case Phase::kError:
        break;
    }
    pos += used;
    if (used == 0 && phase_ != Phase::kDone && phase_ != Phase::kError) {
      return {pos, State::kNeedMore};
    }
  }
}

ResponseParser::State ResponseParser::OnEof() noexcept {
  if (phase_ == Phase::kUntilClose || phase_ == Phase::kDone) {
    phase_ = Phase::kDone;
    keep_alive_ = false;
    return State::kDone;
  }
  if (phase_ != Phase::kError) {
    Fail(status_ == 0 ? "connection closed before a response" : "connection closed mid-response");
  }
  return State::kError;
}

std::size_t ResponseParser::ParseHeadPhase(const char* data, std::size_t size) noexcept {
  // Find the blank line ending the head; remember how far we looked, the bytes come back.
  std::size_t i = head_scanned_;
  std::size_t end = 0;
  while (end == 0) {
    const std::size_t k = i < size ? LineEnd(data + i, size - i) : std::string_view::npos;
    if (k == std::string_view::npos) {
      head_scanned_ = size;
      break;
    }
    const std::size_t nl = i + k;
    if (nl + 1 < size && data[nl + 1] == '\n') {
      end = nl + 2;
    } else if (nl + 2 < size && data[nl + 1] == '\r' && data[nl + 2] == '\n') {
      end = nl + 3;
    } else if (nl + 2 >= size) {
      head_scanned_ = nl;  // the bytes deciding it have not arrived yet
      break;
    }
    i = nl + 1;
  }
  if (end == 0) {
    return size > kMaxHead ? Fail("response head larger than 64 KiB") : 0;
  }
  head_scanned_ = 0;
  if (!ParseHead(data, end)) {
    return 0;
  }
  return end;
}

namespace {

// "HTTP/1.x SP 3DIGIT [SP reason]": the status code, or 0 when malformed.
int ParseStatusLine(std::string_view line) noexcept {
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || (line[7] != '0' && line[7] != '1') ||
      line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
    return 0;
  }
  int code = 0;
  for (int k = 9; k < 12; ++k) {
    if (line[k] < '0' || line[k] > '9') {
      return 0;
    }
    code = code * 10 + (line[k] - '0');
  }
  return code < 100 ? 0 : code;
}

}  // namespace

bool ResponseParser::ParseHead(const char* data, std::size_t size) noexcept {
  const std::string_view head(data, size);
  const std::size_t first_end = head.find('\n');
  const std::string_view status_line = LineText(data, first_end);
  status_ = ParseStatusLine(status_line);
  if (status_ == 0) {
    Fail("malformed status line");
    return false;
  }
  keep_alive_ = status_line[7] == '1';
  chunked_ = other_coding_ = has_length_ = false;
  for (std::size_t pos = first_end + 1; pos < size;) {
    const std::size_t nl = head.find('\n', pos);
    const std::string_view line = LineText(data + pos, nl - pos);
    if (line.empty()) {
      break;
    }
    if (!ParseHeader(line.data(), line.size())) {
      return false;
    }
    pos = nl + 1;
  }
  if (status_ == 101) {
    Fail("protocol upgrade (101) is not supported");
    return false;
  }
  if (status_ >= 200) {  // else an interim response: the real one follows
    ChooseBodyFraming();
  }
  return true;
}

// RFC 9112 section 6.3, for a response.
void ResponseParser::ChooseBodyFraming() noexcept {
  if (head_request_ || status_ == 204 || status_ == 304) {
    phase_ = Phase::kDone;
  } else if (chunked_) {
    phase_ = Phase::kChunkSize;
  } else if (other_coding_ || !has_length_) {
    phase_ = Phase::kUntilClose;
    keep_alive_ = false;
  } else {
    remaining_ = content_length_;
    phase_ = remaining_ == 0 ? Phase::kDone : Phase::kBody;
  }
}

bool ResponseParser::ParseHeader(const char* line, std::size_t size) noexcept {
  const std::string_view text(line, size);
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || text[0] == ' ' || text[0] == '\t') {
    Fail("malformed header line");
    return false;
  }
  const std::string_view name = text.substr(0, colon);
  const std::string_view value = Trim(text.substr(colon + 1));
  if (IEquals(name, "content-length")) {
    uint64_t v = 0;
    if (value.empty() || value.size() > 18) {
      Fail("malformed Content-Length");
      return false;
    }
    for (char c : value) {
      if (c < '0' || c > '9') {
        Fail("malformed Content-Length");
        return false;
      }
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (has_length_ && v != content_length_) {
      Fail("conflicting Content-Length headers");
      return false;
    }
    has_length_ = true;
    content_length_ = v;
  } else if (IEquals(name, "transfer-encoding")) {
    ForEachToken(value, [&](std::string_view coding) {
      chunked_ = IEquals(coding, "chunked");  // only a final "chunked" delimits the body
      other_coding_ = !chunked_;
    });
  } else if (IEquals(name, "connection")) {
    ForEachToken(value, [&](std::string_view option) {
      if (IEquals(option, "close")) {
        keep_alive_ = false;
      } else if (IEquals(option, "keep-alive")) {
        keep_alive_ = true;
      }
    });
  }
  return true;
}

std::size_t ResponseParser::ParseChunkSize(const char* data, std::size_t size) noexcept {
  const std::size_t end = LineEnd(data, size);
  if (end == std::string_view::npos) {
    return size > kMaxLine ? Fail("chunk-size line too long") : 0;
  }
  const std::string_view line = LineText(data, end);
  uint64_t v = 0;
  std::size_t i = 0;
  for (; i < line.size(); ++i) {
    const char c = Lower(line[i]);
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) {
      break;
    }
    v = v * 16 + static_cast<uint64_t>(digit);
    if (v > kMaxChunk) {
      return Fail("chunk size too large");
    }
  }
  const std::string_view rest = Trim(line.substr(i));
  if (i == 0 || (!rest.empty() && rest.front() != ';')) {
    return Fail("malformed chunk size");
  }
  remaining_ = v;
  phase_ = v == 0 ? Phase::kTrailer : Phase::kChunkData;
  return end + 1;
}

std::size_t ResponseParser::ParseChunkCrlf(const char* data, std::size_t size) noexcept {
  if (size >= 1 && data[0] == '\n') {
    phase_ = Phase::kChunkSize;
    return 1;
  }
  if (size >= 1 && data[0] != '\r') {
    return Fail("missing CRLF after chunk data");
  }
  if (size < 2) {
    return 0;
  }
  if (data[1] != '\n') {
    return Fail("missing CRLF after chunk data");
  }
  phase_ = Phase::kChunkSize;
  return 2;
}

std::size_t ResponseParser::ParseTrailer(const char* data, std::size_t size) noexcept {
  const std::size_t end = LineEnd(data, size);
  if (end == std::string_view::npos) {
    return size > kMaxLine ? Fail("trailer line too long") : 0;
  }
  if (LineText(data, end).empty()) {
    phase_ = Phase::kDone;
  }
  return end + 1;
}

}  // namespace keel::load
