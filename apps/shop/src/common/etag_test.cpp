#include "src/common/etag.hpp"

#include <gtest/gtest.h>

namespace shop {
namespace {

constexpr std::string_view kCurrent = R"("p1-v3")";

TEST(EntityTags, ParsesListsWithWeakTagsAndEmptyElements) {
  const auto list = ParseEntityTags(R"( W/"a" , "p1-v3",, "b")");
  ASSERT_TRUE(list);
  EXPECT_FALSE(list->any);
  ASSERT_EQ(list->tags.size(), 3u);
  EXPECT_TRUE(list->tags[0].weak);
  EXPECT_EQ(list->tags[0].opaque, R"("a")");
  EXPECT_FALSE(list->tags[1].weak);
  EXPECT_EQ(list->tags[1].opaque, kCurrent);
}

TEST(EntityTags, ParsesStar) {
  const auto list = ParseEntityTags(" * ");
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->any);
}

TEST(EntityTags, RefusesMalformedFields) {
  for (const char* bad :
       {"", "p1-v3", R"("unterminated)", R"("a" "b")", R"(W/ "a")", R"("a b")", "*, \"a\"", ","}) {
    EXPECT_FALSE(ParseEntityTags(bad)) << bad;
  }
}

TEST(EntityTags, WeakComparisonIgnoresTheWeakFlag) {
  EXPECT_TRUE(WeakMatch(*ParseEntityTags(R"(W/"p1-v3")"), kCurrent));
  EXPECT_TRUE(WeakMatch(*ParseEntityTags(R"("x", "p1-v3")"), kCurrent));
  EXPECT_TRUE(WeakMatch(*ParseEntityTags("*"), kCurrent));
  EXPECT_FALSE(WeakMatch(*ParseEntityTags(R"("p1-v2")"), kCurrent));
}

TEST(EntityTags, StrongComparisonNeverMatchesWeakTags) {
  EXPECT_TRUE(StrongMatch(*ParseEntityTags(R"("p1-v3")"), kCurrent));
  EXPECT_FALSE(StrongMatch(*ParseEntityTags(R"(W/"p1-v3")"), kCurrent));
  EXPECT_TRUE(StrongMatch(*ParseEntityTags("*"), kCurrent));
  EXPECT_FALSE(StrongMatch(*ParseEntityTags(R"("p1-v4")"), kCurrent));
}

}  // namespace
}  // namespace shop
