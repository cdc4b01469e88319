#include "keel/resilience/client_ip.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

namespace keel::resilience {
namespace {

std::string Client(std::string_view peer, std::initializer_list<std::string_view> values,
                   std::string_view trusted,
                   ForwardedHeader header = ForwardedHeader::kXForwardedFor) {
  const std::vector<std::string_view> v(values);
  const ClientIpSettings s{.trusted_proxies = *CidrSet::Parse(trusted), .header = header};
  const auto ip = ClientIp(peer, v, s);
  return ip ? ip->ToString() : "<none>";
}

TEST(IpAddress, ParsesAndNormalises) {
  EXPECT_EQ(IpAddress::Parse("192.0.2.1")->ToString(), "192.0.2.1");
  EXPECT_EQ(IpAddress::Parse("::ffff:192.0.2.1")->ToString(), "192.0.2.1");
  EXPECT_EQ(IpAddress::Parse("2001:DB8::1")->ToString(), "2001:db8::1");
  EXPECT_EQ(IpAddress::Parse("::ffff:192.0.2.1"), IpAddress::Parse("192.0.2.1"));
  for (std::string_view bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "[::1]", "::1%eth0",
                               "1.2.3.4:80", "example.com", "unknown"}) {
    EXPECT_FALSE(IpAddress::Parse(bad)) << bad;
  }
}

TEST(CidrSet, MatchesPrefixes) {
  const auto set = *CidrSet::Parse(" 10.0.0.0/8, 192.168.1.7 ,2001:db8::/32,172.16.0.0/12");
  EXPECT_TRUE(set.Contains(*IpAddress::Parse("10.200.3.4")));
  EXPECT_TRUE(set.Contains(*IpAddress::Parse("::ffff:10.0.0.1")));
  EXPECT_TRUE(set.Contains(*IpAddress::Parse("192.168.1.7")));
  EXPECT_FALSE(set.Contains(*IpAddress::Parse("192.168.1.8")));
  EXPECT_TRUE(set.Contains(*IpAddress::Parse("2001:db8:ffff::1")));
  EXPECT_FALSE(set.Contains(*IpAddress::Parse("2001:db9::1")));
  EXPECT_TRUE(set.Contains(*IpAddress::Parse("172.31.255.255")));
  EXPECT_FALSE(set.Contains(*IpAddress::Parse("172.32.0.0")));
  EXPECT_TRUE(CidrSet::Parse("")->empty());
}

TEST(CidrSet, ErrorNamesTheBadEntry) {
  for (std::string_view bad :
       {"10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "::1/129", "x", "1.2.3.4/-1"}) {
    auto r = CidrSet::Parse("127.0.0.1, " + std::string(bad));
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find(bad), std::string::npos) << r.error().message();
  }
}

TEST(ClientIp, UntrustedPeerIgnoresTheHeader) {
  EXPECT_EQ(Client("203.0.113.9", {"1.1.1.1"}, ""), "203.0.113.9");
  EXPECT_EQ(Client("203.0.113.9", {"1.1.1.1"}, "10.0.0.0/8"), "203.0.113.9");
}

TEST(ClientIp, TrustedPeerWithoutHeaderIsTheClient) {
  EXPECT_EQ(Client("10.0.0.5", {}, "10.0.0.0/8"), "10.0.0.5");
}

TEST(ClientIp, RightmostUntrustedHopOfTheChain) {
  // The client forged "6.6.6.6"; the edge proxy appended the real peer 198.51.100.7; an inner
  // proxy 10.1.1.1 appended the edge proxy's address.
  EXPECT_EQ(Client("10.0.0.5", {"6.6.6.6, 198.51.100.7, 10.1.1.1"}, "10.0.0.0/8"), "198.51.100.7");
  // Several header fields form one list, in order.
  EXPECT_EQ(Client("10.0.0.5", {"6.6.6.6", "198.51.100.7,10.1.1.1"}, "10.0.0.0/8"), "198.51.100.7");
  // Every hop trusted: the leftmost.
  EXPECT_EQ(Client("10.0.0.5", {"10.9.9.9, 10.1.1.1"}, "10.0.0.0/8"), "10.9.9.9");
}

TEST(ClientIp, PortsAndIpv6InXForwardedFor) {
  EXPECT_EQ(Client("127.0.0.1", {"198.51.100.7:4711"}, "127.0.0.1"), "198.51.100.7");
  EXPECT_EQ(Client("127.0.0.1", {"2001:db8::7"}, "127.0.0.1"), "2001:db8::7");
  EXPECT_EQ(Client("127.0.0.1", {"[2001:db8::7]:443"}, "127.0.0.1"), "2001:db8::7");
  EXPECT_EQ(Client("::1", {"198.51.100.7"}, "::1/128"), "198.51.100.7");
}

TEST(ClientIp, GarbageStopsAtTheLastTrustedHop) {
  EXPECT_EQ(Client("10.0.0.5", {"not-an-ip"}, "10.0.0.0/8"), "10.0.0.5");
  EXPECT_EQ(Client("10.0.0.5", {"198.51.100.7, garbage, 10.1.1.1"}, "10.0.0.0/8"), "10.1.1.1");
  EXPECT_EQ(Client("10.0.0.5", {""}, "10.0.0.0/8"), "10.0.0.5");
  EXPECT_EQ(Client("10.0.0.5", {"1.2.3.4,"}, "10.0.0.0/8"), "10.0.0.5");
  // Garbage left of the first untrusted hop is never looked at.
  EXPECT_EQ(Client("10.0.0.5", {"\"><script>, 198.51.100.7"}, "10.0.0.0/8"), "198.51.100.7");
  // An unbalanced quote from the client cannot swallow what the proxy appended.
  EXPECT_EQ(Client("10.0.0.5", {"\"6.6.6.6, 198.51.100.7"}, "10.0.0.0/8"), "198.51.100.7");
}

TEST(ClientIp, Forwarded) {
  const auto fwd = ForwardedHeader::kForwarded;
  EXPECT_EQ(Client("10.0.0.5", {"for=192.0.2.60;proto=http;by=203.0.113.43"}, "10.0.0.0/8", fwd),
            "192.0.2.60");
  EXPECT_EQ(
      Client("10.0.0.5", {"for=6.6.6.6, For=\"[2001:db8:cafe::17]:4711\""}, "10.0.0.0/8", fwd),
      "2001:db8:cafe::17");
  EXPECT_EQ(
      Client("10.0.0.5", {"for=\"198.51.100.7:80\";proto=https, for=10.1.1.1"}, "10.0.0.0/8", fwd),
      "198.51.100.7");
  EXPECT_EQ(Client("10.0.0.5", {"for=unknown"}, "10.0.0.0/8", fwd), "10.0.0.5");
  EXPECT_EQ(Client("10.0.0.5", {"for=_hidden"}, "10.0.0.0/8", fwd), "10.0.0.5");
  EXPECT_EQ(Client("10.0.0.5", {"proto=https"}, "10.0.0.0/8", fwd), "10.0.0.5");
  EXPECT_EQ(Client("10.0.0.5", {"for=[2001:db8::1]"}, "10.0.0.0/8", fwd), "2001:db8::1");
  // Only the configured header counts: a client's X-Forwarded-For is not read in this mode.
  EXPECT_EQ(Client("10.0.0.5", {}, "10.0.0.0/8", fwd), "10.0.0.5");
}

TEST(ClientIp, LongChainsKeepOnlyTheRightEnd) {
  std::string chain;
  for (int i = 0; i < 100; ++i) {
    chain += "6.6.6." + std::to_string(i) + ", ";
  }
  chain += "198.51.100.7";
  EXPECT_EQ(Client("10.0.0.5", {chain}, "10.0.0.0/8"), "198.51.100.7");
}

TEST(ClientIp, UnparsablePeer) {
  EXPECT_EQ(Client("", {"1.1.1.1"}, "10.0.0.0/8"), "<none>");
}

}  // namespace
}  // namespace keel::resilience
