#include "keel/idempotency/key.hpp"

#include <gtest/gtest.h>

#include <string>

#include "keel/idempotency/middleware.hpp"

namespace keel::idempotency {
namespace {

TEST(IdempotencyKey, AcceptsBareAndSfStringKeys) {
  EXPECT_EQ(*ParseIdempotencyKey("8e03978e-40d5-43e8-bc93-6894a57f9324"),
            "8e03978e-40d5-43e8-bc93-6894a57f9324");
  EXPECT_EQ(*ParseIdempotencyKey(R"("8e03978e-40d5")"), "8e03978e-40d5");
  EXPECT_EQ(*ParseIdempotencyKey(R"("a\"b\\c")"), R"(a"b\c)");
}

TEST(IdempotencyKey, RefusesMalformedKeys) {
  for (const std::string& bad :
       {std::string(), std::string(R"("")"), std::string(256, 'k'), std::string("caf\xc3\xa9"),
        std::string("tab\there"), std::string(R"("open)"), std::string(R"("a"b)"),
        std::string(R"("a\n")")}) {
    auto key = ParseIdempotencyKey(bad);
    ASSERT_FALSE(key) << bad;
    EXPECT_EQ(key.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(ParseIdempotencyKey(std::string(255, 'k')));
}

TEST(IdempotencyKey, FingerprintCoversMethodTargetAndBody) {
  const auto base = FingerprintRequest("POST", "/v1/orders", "{}");
  EXPECT_EQ(base.digest.size(), 64u);
  EXPECT_EQ(base.digest, FingerprintRequest("POST", "/v1/orders", "{}").digest);
  EXPECT_NE(base.digest, FingerprintRequest("PUT", "/v1/orders", "{}").digest);
  EXPECT_NE(base.digest, FingerprintRequest("POST", "/v1/orders?x=1", "{}").digest);
  EXPECT_NE(base.digest, FingerprintRequest("POST", "/v1/orders", "{ }").digest);
}

TEST(IdempotencyKey, FinalStatuses) {
  EXPECT_TRUE(IsFinalStatus(201));
  EXPECT_TRUE(IsFinalStatus(400));
  EXPECT_TRUE(IsFinalStatus(409));
  EXPECT_TRUE(IsFinalStatus(422));
  EXPECT_FALSE(IsFinalStatus(429));
  EXPECT_FALSE(IsFinalStatus(408));
  EXPECT_FALSE(IsFinalStatus(500));
  EXPECT_FALSE(IsFinalStatus(503));
}

}  // namespace
}  // namespace keel::idempotency
