#include "keel/core/utf8.hpp"

namespace keel {

std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) noexcept {
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

}  // namespace keel
