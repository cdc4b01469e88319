#include "keel/http/json_body.hpp"

#include <gtest/gtest.h>

namespace keel::http {
namespace {

TEST(JsonBody, ParsesValidJson) {
  auto v = ParseJson(R"({"a":1,"b":[true,null,"x"]})");
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(v->as_object().at("a").as_int64(), 1);
}

TEST(JsonBody, MalformedReportsPosition) {
  auto v = ParseJson("{\"a\":1,\n \"b\": tru}");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(v.error().message().find("line 2"), std::string::npos) << v.error().message();
}

TEST(JsonBody, DuplicateKeysRejected) {
  auto v = ParseJson(R"({"role":"user","role":"admin"})");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("duplicate key \"role\""), std::string::npos);
  // Same key in different objects is fine.
  EXPECT_TRUE(ParseJson(R"({"a":{"x":1},"b":{"x":2}})").ok());
}

TEST(JsonBody, DepthLimited) {
  std::string deep(100000, '[');
  auto v = ParseJson(deep);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("deeper than 64"), std::string::npos) << v.error().message();
}

TEST(JsonBody, TrailingDataRejected) {
  auto v = ParseJson(R"({"a":1} x)");
  ASSERT_FALSE(v.ok());
}

TEST(JsonBody, InvalidUtf8Rejected) {
  EXPECT_FALSE(ParseJson("\"\xC0\xAF\"").ok());
  EXPECT_FALSE(ParseJson("\"\xFF\"").ok());
}

TEST(JsonBody, EmptyBody) {
  EXPECT_FALSE(ParseJson("").ok());
  JsonBodyOptions o;
  o.allow_empty = true;
  EXPECT_TRUE(ParseJson("", o).ok());
}

TEST(JsonBody, MediaTypes) {
  EXPECT_TRUE(IsJsonMediaType("application/json"));
  EXPECT_TRUE(IsJsonMediaType("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(IsJsonMediaType("application/merge-patch+json"));
  EXPECT_FALSE(IsJsonMediaType("text/plain"));
  EXPECT_FALSE(IsJsonMediaType("application/jsonx"));
  EXPECT_FALSE(IsJsonMediaType("application/+json"));
}

}  // namespace
}  // namespace keel::http
