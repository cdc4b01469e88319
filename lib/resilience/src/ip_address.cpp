#include "keel/resilience/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace keel::resilience {

namespace {
constexpr std::array<std::uint8_t, 12> kV4Prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}
}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) noexcept {
  // inet_pton wants a NUL-terminated string; the longest textual IPv6 address is 45 characters.
  char buf[48];
  if (text.empty() || text.size() >= sizeof buf) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    std::uint8_t v4[4];
    if (::inet_pton(AF_INET, buf, v4) != 1) {
      return std::nullopt;
    }
    std::copy(kV4Prefix.begin(), kV4Prefix.end(), ip.bytes_.begin());
    std::copy(v4, v4 + 4, ip.bytes_.begin() + 12);
    return ip;
  }
  if (::inet_pton(AF_INET6, buf, ip.bytes_.data()) != 1) {
    return std::nullopt;
  }
  return ip;
}

bool IpAddress::is_v4() const noexcept {
  return std::equal(kV4Prefix.begin(), kV4Prefix.end(), bytes_.begin());
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    ::inet_ntop(AF_INET, bytes_.data() + 12, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
  }
  return buf;
}

std::optional<Cidr> Cidr::Parse(std::string_view text) noexcept {
  const auto slash = text.find('/');
  auto ip = IpAddress::Parse(text.substr(0, slash));
  if (!ip) {
    return std::nullopt;
  }
  Cidr c;
  c.base_ = *ip;
  if (slash != std::string_view::npos) {
    const std::string_view bits = text.substr(slash + 1);
    int n = -1;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
    const int max_bits = ip->is_v4() ? 32 : 128;
    if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size() || n < 0 ||
        n > max_bits) {
      return std::nullopt;
    }
    c.prefix_ = ip->is_v4() ? n + 96 : n;
  }
  return c;
}

bool Cidr::Contains(const IpAddress& ip) const noexcept {
  const auto& a = base_.bytes();
  const auto& b = ip.bytes();
  const int full = prefix_ / 8;
  if (!std::equal(a.begin(), a.begin() + full, b.begin())) {
    return false;
  }
  const int rest = prefix_ % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

Result<CidrSet> CidrSet::Parse(std::string_view text) {
  CidrSet set;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view entry = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (entry.empty()) {
      continue;
    }
    auto cidr = Cidr::Parse(entry);
    if (!cidr) {
      return Error(ErrorCode::kInvalidArgument,
                   "\"" + std::string(entry) + "\" is not an IP address or CIDR (e.g. 10.0.0.0/8)");
    }
    set.entries_.push_back(*cidr);
  }
  return set;
}

bool CidrSet::Contains(const IpAddress& ip) const noexcept {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Cidr& c) { return c.Contains(ip); });
}

}  // namespace keel::resilience
