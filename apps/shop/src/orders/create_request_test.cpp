// POST /v1/orders body validation: every problem reported with its JSON pointer, duplicates
// merged at the position of their first item.
#include "src/orders/create_request.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace shop::orders {
namespace {

CreateOrderRequest Parse(std::string_view json, FieldErrors& errors) {
  return ParseCreateOrder(boost::json::parse(json), errors);
}

std::vector<std::string> Fields(const FieldErrors& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) {
    out.push_back(e.field);
  }
  return out;
}

TEST(CreateOrderRequest, ParsesAValidBody) {
  FieldErrors errors;
  const auto r = Parse(
      R"({"user_id":7,"items":[{"product_id":3,"quantity":2},{"product_id":5,"quantity":1}]})",
      errors);
  ASSERT_TRUE(errors.empty()) << errors[0].field << ": " << errors[0].detail;
  EXPECT_EQ(r.user_id, 7);
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].product_id, 3);
  EXPECT_EQ(r.items[0].quantity, 2);
  EXPECT_EQ(r.items[1].index, 1u);
}

TEST(CreateOrderRequest, MergesDuplicateProductsAtTheirFirstPosition) {
  FieldErrors errors;
  const auto r = Parse(R"({"user_id":1,"items":[{"product_id":3,"quantity":2},)"
                       R"({"product_id":4,"quantity":1},{"product_id":3,"quantity":5}]})",
                       errors);
  ASSERT_TRUE(errors.empty());
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].product_id, 3);
  EXPECT_EQ(r.items[0].quantity, 7);
  EXPECT_EQ(r.items[0].index, 0u);
  EXPECT_EQ(r.items[1].product_id, 4);
}

TEST(CreateOrderRequest, MergedQuantityObeysTheBound) {
  FieldErrors errors;
  (void)Parse(R"({"user_id":1,"items":[{"product_id":3,"quantity":600},)"
              R"({"product_id":3,"quantity":600}]})",
              errors);
  EXPECT_EQ(Fields(errors), (std::vector<std::string>{"/items/1/quantity"}));
  EXPECT_NE(errors[0].detail.find("1200"), std::string::npos) << errors[0].detail;
}

TEST(CreateOrderRequest, ReportsEveryBadFieldWithItsPointer) {
  FieldErrors errors;
  (void)Parse(R"({"user_id":0,"coupon":"x","items":[{"product_id":-1,"quantity":0},)"
              R"({"product_id":"3","quantity":1.5},7,{"product_id":2,"quantity":1001,"note":1}]})",
              errors);
  EXPECT_EQ(Fields(errors), (std::vector<std::string>{"/coupon", "/user_id", "/items/0/product_id",
                                                      "/items/0/quantity", "/items/1/product_id",
                                                      "/items/1/quantity", "/items/2",
                                                      "/items/3/note", "/items/3/quantity"}));
}

TEST(CreateOrderRequest, RefusesTheWrongShapes) {
  for (const std::string_view body :
       {R"([])", R"("order")", R"({"user_id":1})", R"({"user_id":1,"items":[]})",
        R"({"user_id":1,"items":{"product_id":1}})"}) {
    FieldErrors errors;
    (void)Parse(body, errors);
    EXPECT_FALSE(errors.empty()) << body;
  }
  std::string many = R"({"user_id":1,"items":[)";
  for (int i = 1; i <= 101; ++i) {
    many += (i > 1 ? "," : "") + std::string(R"({"product_id":)") + std::to_string(i) +
            R"(,"quantity":1})";
  }
  many += "]}";
  FieldErrors errors;
  (void)Parse(many, errors);
  EXPECT_EQ(Fields(errors), (std::vector<std::string>{"/items"}));
}

}  // namespace
}  // namespace shop::orders
