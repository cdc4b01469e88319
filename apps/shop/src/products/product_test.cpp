#include "src/products/product.hpp"

#include <gtest/gtest.h>

namespace shop::products {
namespace {

const Product kLamp{.id = 42,
                    .name = "Lamp \"XL\"",
                    .category = "home",
                    .price_cents = 1999,
                    .stock = 3,
                    .rating = 4.5,
                    .updated_at = "2024-05-01T12:00:00.000Z",
                    .version = 3};

TEST(Product, JsonHasEveryMemberInOrder) {
  EXPECT_EQ(ProductJson(kLamp),
            R"({"id":42,"name":"Lamp \"XL\"","category":"home","price_cents":1999,"stock":3,)"
            R"("rating":4.5,"updated_at":"2024-05-01T12:00:00.000Z","version":3})");
}

TEST(Product, SparseFieldsetKeepsCanonicalOrder) {
  FieldErrors errors;
  const FieldMask mask = ParseFieldMask("price_cents,id,id", errors);
  ASSERT_TRUE(errors.empty());
  std::string out;
  JsonWriter w(out);
  WriteProduct(w, kLamp, mask);
  EXPECT_EQ(out, R"({"id":42,"price_cents":1999})");
}

TEST(Product, FieldMaskRefusesUnknownAndEmptyNames) {
  for (const char* bad : {"id,,name", "", "id,ID", "id,price"}) {
    FieldErrors errors;
    (void)ParseFieldMask(bad, errors);
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].field, "fields");
  }
}

TEST(Product, ETagNamesIdAndVersion) {
  EXPECT_EQ(ProductETag(42, 3), R"("p42-v3")");
  EXPECT_EQ(VersionFromETag(R"("p42-v3")", 42), 3);
  EXPECT_FALSE(VersionFromETag(R"("p42-v3")", 4));
  EXPECT_FALSE(VersionFromETag(R"("p42-v03")", 42));
  EXPECT_FALSE(VersionFromETag(R"("p42-v")", 42));
  EXPECT_FALSE(VersionFromETag(R"("p42-v-1")", 42));
  EXPECT_FALSE(VersionFromETag(R"(p42-v3)", 42));
}

}  // namespace
}  // namespace shop::products
