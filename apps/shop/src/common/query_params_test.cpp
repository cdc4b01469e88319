#include "src/common/query_params.hpp"

#include <gtest/gtest.h>

namespace shop {
namespace {

TEST(QueryParams, DecodesNamesAndValues) {
  FieldErrors errors;
  const auto params = QueryParams::Parse("category=home%20garden&q=a+b&&flag", errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(params.Find("category"), "home garden");
  EXPECT_EQ(params.Find("q"), "a b");
  EXPECT_EQ(params.Find("flag"), "");
  EXPECT_FALSE(params.Find("absent"));
}

TEST(QueryParams, RefusesRepeatedParameters) {
  FieldErrors errors;
  const auto params = QueryParams::Parse("limit=1&limit=2", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "limit");
  EXPECT_EQ(params.Find("limit"), "1");
}

TEST(QueryParams, RefusesMalformedEscapes) {
  FieldErrors errors;
  (void)QueryParams::Parse("category=%zz", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "category");
}

TEST(QueryParams, ReadsIntegersWithinRange) {
  FieldErrors errors;
  const auto params =
      QueryParams::Parse("a=5&b=0&c=101&d=1.5&e=&f=+3&g=99999999999999999999", errors);
  const IntRange range{.fallback = 20, .min = 1, .max = 100};
  EXPECT_EQ(ReadInt(params, "a", range, errors), 5);
  EXPECT_EQ(ReadInt(params, "missing", range, errors), 20);
  EXPECT_TRUE(errors.empty());
  for (const char* name : {"b", "c", "d", "e", "f", "g"}) {
    FieldErrors bad;
    (void)ReadInt(params, name, range, bad);
    ASSERT_EQ(bad.size(), 1u) << name;
    EXPECT_EQ(bad[0].field, name);
    EXPECT_EQ(bad[0].detail, "must be an integer from 1 to 100");
  }
}

TEST(QueryParams, ReadsBooleansStrictly) {
  FieldErrors errors;
  const auto params = QueryParams::Parse("t=true&f=false&x=1", errors);
  EXPECT_EQ(ReadOptionalBool(params, "t", errors), true);
  EXPECT_EQ(ReadOptionalBool(params, "f", errors), false);
  EXPECT_EQ(ReadOptionalBool(params, "none", errors), std::nullopt);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(ReadOptionalBool(params, "x", errors), std::nullopt);
  EXPECT_EQ(errors.size(), 1u);
}

TEST(QueryParams, ParseInt64AcceptsOnlyWholeDecimalText) {
  EXPECT_EQ(ParseInt64("-42"), -42);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_FALSE(ParseInt64(""));
  EXPECT_FALSE(ParseInt64(" 1"));
  EXPECT_FALSE(ParseInt64("1x"));
  EXPECT_FALSE(ParseInt64("9223372036854775808"));
}

}  // namespace
}  // namespace shop
