// headers.cpp — case-insensitive lookup of header fields (RFC 9110 §5.1).
#include "keel/http/headers.hpp"

namespace keel::http {

namespace {

constexpr unsigned char ToLowerAscii(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c | 0x20) : c;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (x != y && ToLowerAscii(x) != ToLowerAscii(y))
      return false;
  }
  return true;
}

std::optional<std::string_view> Headers::Find(std::string_view name) const noexcept {
  for (const HeaderField& f : fields_) {
    if (EqualsIgnoreCase(f.name, name))
      return f.value;
  }
  return std::nullopt;
}

std::size_t Headers::Count(std::string_view name) const noexcept {
  std::size_t n = 0;
  for (const HeaderField& f : fields_) {
    if (EqualsIgnoreCase(f.name, name))
      ++n;
  }
  return n;
}

}  // namespace keel::http
