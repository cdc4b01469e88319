#include "src/products/list_params.hpp"

#include <gtest/gtest.h>

namespace shop::products {
namespace {

const CursorSigner kSigner("0123456789abcdef-test-secret");

ListQuery Parse(std::string_view query, FieldErrors& errors) {
  return ParseListQuery(QueryParams::Parse(query, errors), kSigner, errors);
}

std::vector<std::string> Fields(const FieldErrors& errors) {
  std::vector<std::string> fields;
  for (const auto& e : errors) {
    fields.push_back(e.field);
  }
  return fields;
}

Product Last() {
  return Product{.id = 42, .price_cents = 1299, .updated_at = "2024-05-01T12:00:00.000Z"};
}

TEST(ProductListParams, Defaults) {
  FieldErrors errors;
  const ListQuery q = Parse("", errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(q.sort, Sort::kId);
  EXPECT_EQ(q.limit, 20);
  EXPECT_EQ(q.fields, kAllFields);
  EXPECT_FALSE(q.after);
  EXPECT_FALSE(q.filters.category || q.filters.min_price || q.filters.max_price ||
               q.filters.in_stock);
}

TEST(ProductListParams, ParsesEveryParameter) {
  FieldErrors errors;
  const ListQuery q = Parse(
      "category=toys&min_price=100&max_price=2000&in_stock=false&sort=-updated_at&limit=100"
      "&fields=name,id",
      errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(q.filters.category, "toys");
  EXPECT_EQ(q.filters.min_price, 100);
  EXPECT_EQ(q.filters.max_price, 2000);
  EXPECT_EQ(q.filters.in_stock, false);
  EXPECT_EQ(q.sort, Sort::kUpdatedDesc);
  EXPECT_EQ(q.limit, 100);
  EXPECT_EQ(q.fields, 0b11);
}

TEST(ProductListParams, ReportsEveryInvalidParameter) {
  FieldErrors errors;
  (void)Parse("limit=0&sort=name&fields=id,secret&in_stock=1&min_price=-5&max_price=x&category=",
              errors);
  EXPECT_EQ(Fields(errors), (std::vector<std::string>{"category", "min_price", "max_price",
                                                      "in_stock", "sort", "limit", "fields"}));
}

TEST(ProductListParams, LimitMustBeAnIntegerFrom1To100) {
  for (const char* bad : {"limit=0", "limit=101", "limit=abc", "limit=1.5", "limit=", "limit=-1"}) {
    FieldErrors errors;
    (void)Parse(bad, errors);
    EXPECT_EQ(Fields(errors), std::vector<std::string>{"limit"}) << bad;
  }
}

TEST(ProductListParams, UnknownFieldIsNamed) {
  FieldErrors errors;
  (void)Parse("fields=id,password", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].detail.find("\"password\""), std::string::npos);
}

TEST(ProductListParams, MinPriceMayNotExceedMaxPrice) {
  FieldErrors errors;
  (void)Parse("min_price=10&max_price=9", errors);
  EXPECT_EQ(Fields(errors), std::vector<std::string>{"min_price"});
  FieldErrors equal;
  (void)Parse("min_price=10&max_price=10", equal);
  EXPECT_TRUE(equal.empty());
}

TEST(ProductListParams, CursorRoundTripsForEverySort) {
  for (const char* sort : {"id", "price", "-price", "-updated_at"}) {
    FieldErrors errors;
    const std::string base = std::string("category=toys&in_stock=true&sort=") + sort;
    const ListQuery first = Parse(base, errors);
    const std::string cursor = EncodeListCursor(kSigner, first, Last());
    const ListQuery next = Parse(base + "&limit=5&fields=id&cursor=" + cursor, errors);
    ASSERT_TRUE(errors.empty()) << sort << ": " << errors[0].detail;
    ASSERT_TRUE(next.after);
    EXPECT_EQ(next.after->id, 42);
    if (first.sort == Sort::kPrice || first.sort == Sort::kPriceDesc) {
      EXPECT_EQ(next.after->sort_value.AsInt(), 1299);
    } else if (first.sort == Sort::kUpdatedDesc) {
      EXPECT_EQ(next.after->sort_value.AsText(), "2024-05-01T12:00:00.000Z");
    }
  }
}

TEST(ProductListParams, CursorIsBoundToSortAndFilters) {
  FieldErrors errors;
  const ListQuery first = Parse("sort=price&category=toys&min_price=100", errors);
  const std::string cursor = EncodeListCursor(kSigner, first, Last());
  for (const char* other :
       {"sort=-price&category=toys&min_price=100", "sort=price&category=tools&min_price=100",
        "sort=price&category=toys&min_price=101", "sort=price&category=toys",
        "sort=price&category=toys&min_price=100"
        "&in_stock=true"}) {
    FieldErrors bad;
    (void)Parse(std::string(other) + "&cursor=" + cursor, bad);
    EXPECT_EQ(Fields(bad), std::vector<std::string>{"cursor"}) << other;
  }
}

TEST(ProductListParams, TamperedOrForeignCursorsAreRefused) {
  FieldErrors errors;
  const ListQuery first = Parse("sort=price", errors);
  std::string cursor = EncodeListCursor(kSigner, first, Last());
  cursor[3] = cursor[3] == 'x' ? 'y' : 'x';
  const CursorSigner other("some-other-secret-value");
  const std::string foreign = EncodeListCursor(other, first, Last());
  for (const std::string& bad : {cursor, foreign, std::string("garbage"), std::string()}) {
    FieldErrors refused;
    (void)Parse("sort=price&cursor=" + bad, refused);
    EXPECT_EQ(Fields(refused), std::vector<std::string>{"cursor"}) << bad;
  }
}

TEST(ProductListParams, SignedPayloadOfTheWrongShapeIsRefused) {
  // Correctly signed, but not a products cursor (e.g. an orders cursor, or a hand-made one).
  for (const boost::json::object& payload :
       {boost::json::object{{"t", "orders"}, {"u", 1}, {"st", ""}, {"k", boost::json::array{5}}},
        boost::json::object{{"t", "products"},
                            {"s", "price"},
                            {"f", Digest(CanonicalFilters({}))},
                            {"k", boost::json::array{"1299", 42}}},
        boost::json::object{{"t", "products"},
                            {"s", "price"},
                            {"f", Digest(CanonicalFilters({}))},
                            {"k", boost::json::array{42}}}}) {
    FieldErrors refused;
    (void)Parse("sort=price&cursor=" + kSigner.Sign(payload), refused);
    EXPECT_EQ(Fields(refused), std::vector<std::string>{"cursor"});
  }
}

}  // namespace
}  // namespace shop::products
