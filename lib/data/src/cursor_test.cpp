#include "keel/data/cursor.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "base64url.hpp"

namespace keel::data {
namespace {

constexpr std::string_view kPayload = R"({"price":1299,"id":42})";

void ExpectInvalid(const Result<std::string>& r, std::string_view what) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "invalid cursor: " + std::string(what));
}

TEST(CursorCodec, RoundTrips) {
  CursorCodec codec("0123456789abcdef0123456789abcdef");
  const std::string cursor = codec.Encode(kPayload);
  EXPECT_EQ(cursor.find_first_of("+/="), std::string::npos);  // URL-safe, unpadded
  auto decoded = codec.Decode(cursor);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(*decoded, kPayload);
  EXPECT_EQ(*codec.Decode(codec.Encode("")), "");
}

TEST(CursorCodec, TamperedPayloadIsRejected) {
  CursorCodec codec("secret");
  std::string cursor = codec.Encode(kPayload);
  const std::string forged = detail::Base64UrlEncode(R"({"price":1299,"id":43})");
  cursor.replace(0, cursor.find('.'), forged);
  ExpectInvalid(codec.Decode(cursor), "signature mismatch");
}

TEST(CursorCodec, TamperedSignatureIsRejected) {
  CursorCodec codec("secret");
  std::string cursor = codec.Encode(kPayload);
  const auto dot = cursor.find('.');
  cursor[dot + 1] = cursor[dot + 1] == 'A' ? 'B' : 'A';
  ExpectInvalid(codec.Decode(cursor), "signature mismatch");
}

TEST(CursorCodec, ForeignSecretIsRejected) {
  CursorCodec ours("secret");
  CursorCodec theirs("another secret");
  ExpectInvalid(ours.Decode(theirs.Encode(kPayload)), "signature mismatch");
}

TEST(CursorCodec, GarbageIsRejectedWithAPreciseReason) {
  CursorCodec codec("secret");
  const std::string good = codec.Encode(kPayload);
  const std::string payload_part = good.substr(0, good.find('.'));
  ExpectInvalid(codec.Decode(""), "empty");
  ExpectInvalid(codec.Decode(payload_part), "missing signature");
  ExpectInvalid(codec.Decode(payload_part + "."), "missing signature");
  ExpectInvalid(codec.Decode("e30*." + good.substr(good.find('.') + 1)),
                "payload is not base64url");
  ExpectInvalid(codec.Decode(payload_part + ".abc$"), "signature is not base64url");
  ExpectInvalid(codec.Decode(payload_part + ".AAAA"), "signature has 3 bytes, expected 32");
  ExpectInvalid(codec.Decode(good + "="), "signature is not base64url");  // no padding
}

TEST(CursorCodec, EmptySecretIsAConfigurationError) {
  EXPECT_THROW(CursorCodec(""), std::invalid_argument);
}

TEST(Base64Url, RoundTripsEveryTailLengthAndIsCanonical) {
  const std::string bytes = std::string("\x00\xff\xfe\x10\x80", 5) + "?>";
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    const std::string encoded = detail::Base64UrlEncode(bytes.substr(0, n));
    EXPECT_EQ(detail::Base64UrlDecode(encoded), bytes.substr(0, n));
  }
  EXPECT_EQ(detail::Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(detail::Base64UrlDecode("-_9").has_value());  // non-zero unused bits
  EXPECT_FALSE(detail::Base64UrlDecode("A").has_value());
}

}  // namespace
}  // namespace keel::data
