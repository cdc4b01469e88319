// keel/resilience/ip_address.hpp — IP addresses and CIDR sets for trust decisions.
//
// Trusted proxies (whose X-Forwarded-For is believed) and trusted internal callers (whose
// priority header is believed) are configured as comma-separated CIDRs. IPv4 addresses are held
// as IPv4-mapped IPv6 (::ffff:a.b.c.d), so "127.0.0.1/32" also matches a dual-stack socket's
// "::ffff:127.0.0.1".
//
//   auto trusted = keel::resilience::CidrSet::Parse("10.0.0.0/8, 127.0.0.1, ::1/128");
//   if (auto ip = keel::resilience::IpAddress::Parse(peer); ip && trusted->Contains(*ip)) ...
//
// Thread safety: immutable values; safe to share.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/error.hpp"

namespace keel::resilience {

class IpAddress {
 public:
  // A bare address: "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1" (held as IPv4). No brackets,
  // ports or zone ids; nullopt otherwise.
  [[nodiscard]] static std::optional<IpAddress> Parse(std::string_view text) noexcept;

  [[nodiscard]] bool is_v4() const noexcept;
  // The 16 bytes (IPv4-mapped for IPv4): a compact, allocation-free map key.
  [[nodiscard]] const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
  [[nodiscard]] std::string ToString() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

class Cidr {
 public:
  // "10.0.0.0/8", "2001:db8::/32", or a bare address (a single host).
  [[nodiscard]] static std::optional<Cidr> Parse(std::string_view text) noexcept;
  [[nodiscard]] bool Contains(const IpAddress& ip) const noexcept;

 private:
  IpAddress base_;
  int prefix_ = 128;  // in IPv6 terms (an IPv4 /8 is 104)
};

class CidrSet {
 public:
  // Comma-separated CIDRs, spaces allowed, empty = no entries. The error names the bad entry.
  [[nodiscard]] static Result<CidrSet> Parse(std::string_view text);
  [[nodiscard]] bool Contains(const IpAddress& ip) const noexcept;
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }

 private:
  std::vector<Cidr> entries_;
};

}  // namespace keel::resilience
