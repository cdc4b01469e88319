// ClientTimeout: which header wins, first occurrence, case-insensitive names, malformed values.
#include "keel/http/deadline_header.hpp"

#include <gtest/gtest.h>

namespace keel::http {
namespace {

using namespace std::chrono_literals;

TEST(ClientTimeout, NoneSent) {
  Headers h;
  h.Add("Host", "example");
  auto t = ClientTimeout(h);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->has_value());
}

TEST(ClientTimeout, PrecedenceAndFirstOccurrence) {
  Headers h;
  h.Add("grpc-timeout", "5S");
  h.Add("X-YaTaxi-Client-TimeoutMs", "300");
  h.Add("X-Request-Timeout", "250");
  h.Add("x-request-timeout", "999");
  auto t = ClientTimeout(h);
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ(**t, 250ms);

  Headers g;
  g.Add("GRPC-Timeout", "2S");
  g.Add("x-yataxi-client-timeoutms", "300");
  t = ClientTimeout(g);
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ(**t, 300ms);

  Headers only_grpc;
  only_grpc.Add("Grpc-Timeout", "7m");
  t = ClientTimeout(only_grpc);
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ(**t, 7ms);
}

TEST(ClientTimeout, MalformedIsAnError) {
  Headers h;
  h.Add("X-Request-Timeout", "soon");
  EXPECT_FALSE(ClientTimeout(h).ok());
  Headers g;
  g.Add("grpc-timeout", "5x");
  EXPECT_FALSE(ClientTimeout(g).ok());
}

}  // namespace
}  // namespace keel::http
