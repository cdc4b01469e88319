#include "keel/core/json_string.hpp"

#include <array>
#include <cstdint>

#include "keel/core/utf8.hpp"

namespace keel {

namespace {

// Bytes that cannot be copied as they are: control characters, '"', '\', and every byte of a
// multi-byte sequence (checked for well-formedness before it is copied).
constexpr std::array<bool, 256> kNeedsCare = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  }
  return t;
}();

void AppendEscaped(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default: {
      const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(u, sizeof u);
    }
  }
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t run_start = i;
    while (i < s.size() && !kNeedsCare[static_cast<unsigned char>(s[i])]) {
      ++i;
    }
    out.append(s.data() + run_start, i - run_start);
    if (i == s.size()) {
      break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      AppendEscaped(out, c);
      ++i;
    } else if (const std::size_t len = Utf8SequenceLength(s, i); len != 0) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    }
  }
  out += '"';
}

}  // namespace keel
