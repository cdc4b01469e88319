#include "keel/resilience/rate_policy.hpp"

#include <gtest/gtest.h>

#include "keel/resilience/ratelimit_headers.hpp"

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;

TEST(RateQuota, Parses) {
  EXPECT_EQ(*ParseRateQuota("100/s"), (RateQuota{.count = 100, .period = 1s, .burst = 99}));
  EXPECT_EQ(*ParseRateQuota("10/m burst 2"), (RateQuota{.count = 10, .period = 60s, .burst = 2}));
  EXPECT_EQ(*ParseRateQuota(" 5/10s burst=0 "), (RateQuota{.count = 5, .period = 10s, .burst = 0}));
  EXPECT_EQ(ParseRateQuota("1/d")->period, 86400s);
  EXPECT_EQ(ParseRateQuota("3/2h")->period, 7200s);
}

TEST(RateQuota, ErrorsNameTheBadPart) {
  auto expect_error = [](std::string_view text, std::string_view part) {
    auto q = ParseRateQuota(text);
    ASSERT_FALSE(q) << text;
    EXPECT_NE(q.error().message().find(part), std::string::npos) << q.error().message();
  };
  expect_error("", "missing quota");
  expect_error("100", "\"100\"");
  expect_error("0/s", "\"0/s\"");
  expect_error("ten/s", "\"ten/s\"");
  expect_error("10/x", "\"x\"");
  expect_error("10/0s", "\"0s\"");
  expect_error("10/s burst", "burst");
  expect_error("10/s burst many", "\"many\"");
  expect_error("10/s key=ip", "unknown option \"key=ip\"");
}

TEST(RatePolicies, Parses) {
  auto p = ParseRatePolicies(
      "GET /v1/products/{id:int}=100/s burst 50 key=ip; POST /v1/orders = 10/m key=api_key "
      "name=orders;/search=5/s key=subject;");
  ASSERT_TRUE(p) << p.error().message();
  ASSERT_EQ(p->size(), 3u);
  const RatePolicy& a = (*p)[0];
  EXPECT_EQ(a.method, "GET");
  EXPECT_EQ(a.route, "/v1/products/{id:int}");
  EXPECT_EQ(a.quota, (RateQuota{.count = 100, .period = 1s, .burst = 50}));
  EXPECT_EQ(a.key, RateKey::kIp);
  EXPECT_EQ(a.name, "GET /v1/products/{id:int}");
  EXPECT_EQ((*p)[1].name, "orders");
  EXPECT_EQ((*p)[1].key, RateKey::kApiKey);
  EXPECT_EQ((*p)[2].method, "*");
  EXPECT_EQ((*p)[2].name, "/search");
  EXPECT_EQ((*p)[2].key, RateKey::kSubject);
  EXPECT_TRUE(ParseRatePolicies("")->empty());
  EXPECT_TRUE(ParseRatePolicies(" ; ")->empty());
}

TEST(RatePolicies, ErrorsNameTheEntryAndThePart) {
  auto expect_error = [](std::string_view text, std::string_view part) {
    auto p = ParseRatePolicies(text);
    ASSERT_FALSE(p) << text;
    EXPECT_NE(p.error().message().find(part), std::string::npos) << p.error().message();
  };
  expect_error("/a=1/s; POST /b=ten/s", "entry 2 (\"POST /b=ten/s\"): bad quota \"ten/s\"");
  expect_error("/a", "entry 1");
  expect_error("FETCH /a=1/s", "METHOD");
  expect_error("GET a=1/s", "must be a template starting with '/'");
  expect_error("/a=1/s key=cookie", "bad key \"cookie\"");
  expect_error("/a=1/s name=", "bad name");
  expect_error("/a=1/s; GET /a=2/s", "already defined");
  expect_error("/a=1/s name=x; /b=1/s name=x", "already used");
  expect_error("/a=1/s colour=red", "unknown option \"colour=red\"");
}

TEST(RateLimitHeaders, DraftSyntax) {
  std::string policy;
  AppendRateLimitPolicy(policy, "GET /v1/items/{id:int}",
                        {.count = 100, .period = std::chrono::seconds(60), .burst = 10});
  AppendRateLimitPolicy(policy, "global", {.count = 1000, .period = std::chrono::seconds(1)});
  EXPECT_EQ(policy, "\"GET /v1/items/{id:int}\";q=100;w=60, \"global\";q=1000;w=1");

  std::string limit;
  AppendRateLimit(
      limit, "a",
      {.allowed = true, .limit = 5, .remaining = 3, .next_unit = std::chrono::milliseconds(1500)});
  AppendRateLimit(limit, "quote\"back\\slash",
                  {.allowed = false,
                   .limit = 5,
                   .remaining = 0,
                   .retry_after = std::chrono::milliseconds(200),
                   .next_unit = std::chrono::milliseconds(200)});
  EXPECT_EQ(limit, "\"a\";r=3;t=2, \"quote\\\"back\\\\slash\";r=0;t=1");
}

TEST(RateLimitHeaders, PolicyNames) {
  EXPECT_TRUE(IsValidPolicyName("GET /v1/x"));
  EXPECT_FALSE(IsValidPolicyName(""));
  EXPECT_FALSE(IsValidPolicyName("tab\there"));
  EXPECT_FALSE(IsValidPolicyName(std::string(65, 'x')));
  EXPECT_FALSE(IsValidPolicyName("caf\xc3\xa9"));
}

}  // namespace
}  // namespace keel::resilience
