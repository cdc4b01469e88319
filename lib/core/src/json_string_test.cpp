#include "keel/core/json_string.hpp"

#include <gtest/gtest.h>

#include <string>

#include "keel/core/utf8.hpp"

namespace keel {
namespace {

std::string Json(std::string_view s) {
  std::string out = "prefix:";
  AppendJsonString(out, s);
  return out.substr(7);
}

TEST(JsonString, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Json(""), "\"\"");
  EXPECT_EQ(Json("plain"), "\"plain\"");
  EXPECT_EQ(Json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Json("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(Json(std::string_view("\x01\x1f\0", 3)), "\"\\u0001\\u001f\\u0000\"");
  EXPECT_EQ(Json("\x7f/"), "\"\x7f/\"");  // DEL and '/' need no escape (RFC 8259 §7)
}

TEST(JsonString, RunsBetweenEscapesAreKeptWhole) {
  const std::string long_plain(1000, 'x');
  EXPECT_EQ(Json(long_plain), "\"" + long_plain + "\"");
  EXPECT_EQ(Json("ab\"cd\\ef\ngh"), "\"ab\\\"cd\\\\ef\\ngh\"");
  EXPECT_EQ(Json("\"start and end\""), "\"\\\"start and end\\\"\"");
}

TEST(JsonString, Utf8IsKeptAndIllFormedBytesReplaced) {
  EXPECT_EQ(Json("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  EXPECT_EQ(Json("a\xFF"
                 "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(Json("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // overlong '/'
  EXPECT_EQ(Json("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a surrogate
  EXPECT_EQ(Json("end\xE2\x82"), "\"end\xEF\xBF\xBD\xEF\xBF\xBD\"");            // truncated
  EXPECT_EQ(Json("\xE2\x82\"q"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\\\"q\"");          // cut by a quote
}

TEST(Utf8, ValidTextIsReturnedAsIsAndInvalidBytesReplaced) {
  std::string scratch;
  const std::string_view valid = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80";
  EXPECT_EQ(ValidUtf8(valid, scratch).data(), valid.data());  // no copy
  EXPECT_EQ(ValidUtf8("a\xFF"
                      "b",
                      scratch),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(ValidUtf8("\xC0\xAF", scratch), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80", scratch),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");                            // a surrogate
  EXPECT_EQ(ValidUtf8("end\xE2\x82", scratch), "end\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated
  EXPECT_EQ(ValidUtf8("\xF4\x90\x80\x80", scratch),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // above U+10FFFF
}

}  // namespace
}  // namespace keel
