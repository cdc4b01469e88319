// keel/resilience/client_ip.hpp — which address a request comes from, for per-client limits.
//
// The socket peer is the client, unless the peer is a configured trusted proxy. Then the client
// is the rightmost address of the forwarding chain (X-Forwarded-For, or RFC 7239 Forwarded
// `for=`) that is not itself a trusted proxy: every proxy appends the address it received the
// request from, so entries left of the first untrusted one may be forged by the client and are
// never used. Consequently a header sent from outside changes nothing (the peer is not trusted),
// and spoofed entries behind a trusted proxy are skipped. Only one header is consulted, the one
// the proxies are configured to write: reading both would let a client inject the other.
// A malformed entry stops the walk at the last address established (the nearest trusted hop).
//
//   keel::resilience::ClientIpSettings s{.trusted_proxies = *CidrSet::Parse("10.0.0.0/8")};
//   std::string_view xff[] = {"203.0.113.9, 10.1.2.3"};
//   auto ip = keel::resilience::ClientIp("10.0.0.5", xff, s);  // 203.0.113.9
//
// Thread safety: a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "keel/resilience/ip_address.hpp"

namespace keel::resilience {

enum class ForwardedHeader : std::uint8_t {
  kXForwardedFor,  // X-Forwarded-For: client, proxy1, proxy2
  kForwarded,      // RFC 7239: for=client;proto=https, for="[2001:db8::1]:4711"
};
// "x-forwarded-for" | "forwarded".
[[nodiscard]] std::optional<ForwardedHeader> ParseForwardedHeader(std::string_view s) noexcept;
// The header's field name ("X-Forwarded-For" / "Forwarded").
[[nodiscard]] std::string_view ForwardedHeaderName(ForwardedHeader h) noexcept;

struct ClientIpSettings {
  CidrSet trusted_proxies;  // empty: no proxy is trusted, the peer is always the client
  ForwardedHeader header = ForwardedHeader::kXForwardedFor;
};

// `header_values`: every field value of the configured header, in the order received (several
// fields form one list). nullopt only when `peer` itself is not an address.
[[nodiscard]] std::optional<IpAddress> ClientIp(std::string_view peer,
                                                std::span<const std::string_view> header_values,
                                                const ClientIpSettings& settings) noexcept;

}  // namespace keel::resilience
