#include "src/products/patch.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace shop::products {
namespace {

ProductPatch Parse(std::string_view json, FieldErrors& errors) {
  return ParseProductPatch(boost::json::parse(json), errors);
}

std::vector<std::string> Fields(const FieldErrors& errors) {
  std::vector<std::string> fields;
  for (const auto& e : errors) {
    fields.push_back(e.field);
  }
  return fields;
}

TEST(ProductPatch, AcceptsAnySubsetOfTheThreeMembers) {
  FieldErrors errors;
  const ProductPatch all = Parse(R"({"name":"Lamp","price_cents":0,"stock":7})", errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(all.name, "Lamp");
  EXPECT_EQ(all.price_cents, 0);
  EXPECT_EQ(all.stock, 7);
  const ProductPatch one = Parse(R"({"stock":1})", errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_FALSE(one.name || one.price_cents);
}

TEST(ProductPatch, RefusesNonObjectsAndEmptyPatches) {
  for (const char* body : {"[]", "null", "42", R"("name")", "{}"}) {
    FieldErrors errors;
    (void)Parse(body, errors);
    EXPECT_EQ(Fields(errors), std::vector<std::string>{""}) << body;
  }
}

TEST(ProductPatch, RefusesOtherMembersAndNulls) {
  FieldErrors errors;
  (void)Parse(R"({"id":3,"version":2,"name":null,"stock":5})", errors);
  EXPECT_EQ(Fields(errors), (std::vector<std::string>{"/id", "/version", "/name"}));
}

TEST(ProductPatch, ChecksTypesAndRanges) {
  FieldErrors errors;
  (void)Parse(R"({"name":"","price_cents":-1,"stock":1.5})", errors);
  EXPECT_EQ(Fields(errors), (std::vector<std::string>{"/name", "/price_cents", "/stock"}));
  FieldErrors more;
  (void)Parse(R"({"name":7,"price_cents":"100","stock":18446744073709551615})", more);
  EXPECT_EQ(Fields(more), (std::vector<std::string>{"/name", "/price_cents", "/stock"}));
}

TEST(ProductPatch, NameLengthCountsCharactersNotBytes) {
  std::string two_hundred;
  for (int i = 0; i < 200; ++i) {
    two_hundred += "\xC3\xA9";  // é: 2 bytes, 1 character
  }
  FieldErrors errors;
  EXPECT_EQ(Parse(R"({"name":")" + two_hundred + R"("})", errors).name, two_hundred);
  EXPECT_TRUE(errors.empty());
  (void)Parse(R"({"name":")" + two_hundred + R"(e"})", errors);
  EXPECT_EQ(Fields(errors), std::vector<std::string>{"/name"});
}

TEST(ProductPatch, MediaTypes) {
  EXPECT_TRUE(IsPatchMediaType("application/merge-patch+json"));
  EXPECT_TRUE(IsPatchMediaType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsPatchMediaType("Application/JSON"));
  EXPECT_FALSE(IsPatchMediaType("application/json-patch+json"));
  EXPECT_FALSE(IsPatchMediaType("text/plain"));
  EXPECT_FALSE(IsPatchMediaType(""));
}

TEST(ProductPatch, IfMatchConditionKeepsStrongTagsOfThisProduct) {
  const auto c = ConditionFromIfMatch(
      *ParseEntityTags(R"("p7-v3", W/"p7-v4", "p8-v5", "p7-v03", "p7-v9", "other")"), 7);
  EXPECT_FALSE(c.any);
  EXPECT_EQ(c.versions, (std::vector<std::int64_t>{3, 9}));
  EXPECT_TRUE(ConditionFromIfMatch(*ParseEntityTags("*"), 7).any);
}

}  // namespace
}  // namespace shop::products
