#include "src/products/batch.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace shop::products {
namespace {

std::vector<std::int64_t> Parse(std::string_view json, FieldErrors& errors) {
  return ParseBatchIds(boost::json::parse(json), errors);
}

TEST(ProductBatch, CollapsesDuplicatesKeepingFirstOccurrenceOrder) {
  FieldErrors errors;
  EXPECT_EQ(Parse(R"({"ids":[5,3,5,-1,3,9]})", errors), (std::vector<std::int64_t>{5, 3, -1, 9}));
  EXPECT_TRUE(errors.empty());
}

TEST(ProductBatch, AcceptsOneToOneHundredIds) {
  std::string hundred = R"({"ids":[1)";
  for (int i = 2; i <= 100; ++i) {
    hundred += "," + std::to_string(i);
  }
  FieldErrors errors;
  EXPECT_EQ(Parse(hundred + "]}", errors).size(), 100u);
  EXPECT_TRUE(errors.empty());
  (void)Parse(hundred + ",101]}", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "/ids");
}

TEST(ProductBatch, RefusesBadBodies) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[1,2]", ""},
      {"{}", "/ids"},
      {R"({"ids":[]})", "/ids"},
      {R"({"ids":7})", "/ids"},
      {R"({"ids":[1,"2"]})", "/ids/1"},
      {R"({"ids":[1,2.5]})", "/ids/1"},
      {R"({"ids":[1,null]})", "/ids/1"},
      {R"({"ids":[18446744073709551615]})", "/ids/0"},
  };
  for (const auto& [body, field] : cases) {
    FieldErrors errors;
    (void)Parse(body, errors);
    ASSERT_FALSE(errors.empty()) << body;
    EXPECT_EQ(errors[0].field, field) << body;
  }
  FieldErrors extra;
  (void)Parse(R"({"ids":[1],"limit":3})", extra);
  ASSERT_EQ(extra.size(), 1u);
  EXPECT_EQ(extra[0].field, "/limit");
}

TEST(ProductBatch, ArrangesFoundInRequestOrderAndListsMissing) {
  std::vector<Product> found{{.id = 9}, {.id = 5}, {.id = 3}};
  const BatchResult r = ArrangeBatch({5, 4, 3, 9, 1}, std::move(found));
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[0].id, 5);
  EXPECT_EQ(r.items[1].id, 3);
  EXPECT_EQ(r.items[2].id, 9);
  EXPECT_EQ(r.missing, (std::vector<std::int64_t>{4, 1}));
}

}  // namespace
}  // namespace shop::products
