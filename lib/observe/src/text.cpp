#include "text.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <system_error>

namespace keel::observe::detail {

namespace {

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629 table), 0 if ill-formed.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    return 1;
  }
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) {
      lo = 0xA0;  // overlong
    }
    if (b0 == 0xED) {
      hi = 0x9F;  // surrogates
    }
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) {
      lo = 0x90;  // overlong
    }
    if (b0 == 0xF4) {
      hi = 0x8F;  // above U+10FFFF
    }
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  if (byte(i + 1) < lo || byte(i + 1) > hi) {
    return 0;
  }
  for (std::size_t k = 2; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      return 0;
    }
  }
  return len;
}

template <typename T>
void AppendChars(std::string& out, T v) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

}  // namespace

std::string_view ValidUtf8(std::string_view in, std::string& scratch) {
  std::size_t i = 0;
  while (i < in.size()) {
    const std::size_t len = Utf8SequenceLength(in, i);
    if (len == 0) {
      break;
    }
    i += len;
  }
  if (i == in.size()) {
    return in;
  }
  scratch.assign(in.substr(0, i));
  while (i < in.size()) {
    const std::size_t len = Utf8SequenceLength(in, i);
    if (len == 0) {
      scratch += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      scratch.append(in.substr(i, len));
      i += len;
    }
  }
  return scratch;
}

void AppendJsonString(std::string& out, std::string_view s) {
  std::string scratch;
  s = ValidUtf8(s, scratch);
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
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
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void AppendUint(std::string& out, std::uint64_t v) {
  AppendChars(out, v);
}
void AppendInt(std::string& out, std::int64_t v) {
  AppendChars(out, v);
}

void AppendDouble(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    AppendChars(out, v);
  }
}

void AppendFixed(std::string& out, double v, int decimals) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (res.ec == std::errc{}) {
    out.append(buf, res.ptr);
  } else {
    AppendDouble(out, v);  // beyond 64 characters: not worth fixed notation
  }
}

void AppendNanosAsSeconds(std::string& out, std::uint64_t ns) {
  constexpr std::uint64_t kPerSecond = 1'000'000'000;
  AppendUint(out, ns / kPerSecond);
  std::uint64_t frac = ns % kPerSecond;
  if (frac == 0) {
    return;
  }
  char digits[9];
  for (int i = 8; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  int len = 9;
  while (digits[len - 1] == '0') {
    --len;
  }
  out += '.';
  out.append(digits, static_cast<std::size_t>(len));
}

void AppendNanosAsMillis3(std::string& out, std::int64_t ns) {
  // A negative duration can only come from a clock misuse; zero is the honest floor.
  const std::uint64_t magnitude = ns > 0 ? static_cast<std::uint64_t>(ns) : 0;
  const std::uint64_t micros = magnitude / 1000 + (magnitude % 1000 >= 500 ? 1 : 0);
  AppendUint(out, micros / 1000);
  out += '.';
  const auto frac = static_cast<unsigned>(micros % 1000);
  out += static_cast<char>('0' + frac / 100);
  out += static_cast<char>('0' + frac / 10 % 10);
  out += static_cast<char>('0' + frac % 10);
}

}  // namespace keel::observe::detail
