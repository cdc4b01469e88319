#include "src/common/cursor.hpp"

#include <gtest/gtest.h>

namespace shop {
namespace {

const CursorSigner kSigner("0123456789abcdef-test-secret");

TEST(CursorSigner, RoundTripsAnObject) {
  const boost::json::object payload{{"t", "products"}, {"k", boost::json::array{1299, 42}}};
  const std::string cursor = kSigner.Sign(payload);
  EXPECT_EQ(
      cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
      std::string::npos)
      << "cursors are URL-safe as they are: " << cursor;
  const auto back = kSigner.Verify(cursor);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, payload);
}

TEST(CursorSigner, RefusesATamperedCursor) {
  std::string cursor = kSigner.Sign({{"k", boost::json::array{42}}});
  for (std::size_t i = 0; i < cursor.size(); i += 7) {
    std::string tampered = cursor;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(kSigner.Verify(tampered)) << "position " << i;
  }
  EXPECT_FALSE(kSigner.Verify(cursor.substr(0, cursor.size() - 1)));
  EXPECT_FALSE(kSigner.Verify(""));
  EXPECT_FALSE(kSigner.Verify("not-a-cursor"));
}

TEST(CursorSigner, RefusesACursorSignedWithAnotherSecret) {
  const CursorSigner other("another-secret-of-16-bytes");
  EXPECT_FALSE(kSigner.Verify(other.Sign({{"k", boost::json::array{42}}})));
}

TEST(CursorSigner, DigestTellsCanonicalTextsApart) {
  EXPECT_EQ(Digest("category=4:toys"), Digest("category=4:toys"));
  EXPECT_NE(Digest("category=4:toys"), Digest("category=4:tool"));
  EXPECT_EQ(Digest("").size(), 16u);
}

}  // namespace
}  // namespace shop
