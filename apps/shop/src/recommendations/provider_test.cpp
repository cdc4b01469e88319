// The provider's wire format: what is accepted, what is a provider failure.
#include "src/recommendations/provider.hpp"

#include <gtest/gtest.h>

namespace shop::recommendations {
namespace {

TEST(ProviderResponse, IdsInOrderWithoutSelfOrDuplicates) {
  auto ids = ParseProviderResponse(R"({"product_id":5,"recommendations":[9,6,5,9,7]})", 5);
  ASSERT_TRUE(ids.ok()) << ids.error().message();
  EXPECT_EQ(*ids, (std::vector<std::int64_t>{9, 6, 7}));
}

TEST(ProviderResponse, EmptyListIsAnAnswer) {
  auto ids = ParseProviderResponse(R"({"product_id":5,"recommendations":[]})", 5);
  ASSERT_TRUE(ids.ok());
  EXPECT_TRUE(ids->empty());
}

TEST(ProviderResponse, AtMostMaxItems) {
  std::string body = R"({"product_id":1,"recommendations":[)";
  for (int i = 2; i < 40; ++i) {
    body += (i > 2 ? "," : "") + std::to_string(i);
  }
  body += "]}";
  auto ids = ParseProviderResponse(body, 1);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->size(), kMaxItems);
  EXPECT_EQ(ids->front(), 2);
}

TEST(ProviderResponse, BrokenAnswersAreProviderFailures) {
  for (const char* body : {
           "not json",
           "[1,2]",
           R"({"recommendations":[1]})",
           R"({"product_id":6,"recommendations":[1]})",  // another product's answer
           R"({"product_id":5})",
           R"({"product_id":5,"recommendations":"1,2"})",
           R"({"product_id":5,"recommendations":[1,"2"]})",
           R"({"product_id":5,"recommendations":[0]})",
           R"({"product_id":5,"recommendations":[1.5]})",
       }) {
    auto ids = ParseProviderResponse(body, 5);
    ASSERT_FALSE(ids.ok()) << body;
    EXPECT_EQ(ids.error().code(), keel::ErrorCode::kUnavailable) << body;
  }
}

}  // namespace
}  // namespace shop::recommendations
