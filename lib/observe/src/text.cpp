#include "text.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <system_error>

namespace keel::observe::detail {

namespace {

template <typename T>
void AppendChars(std::string& out, T v) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

}  // namespace

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
