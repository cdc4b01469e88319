#include "src/common/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "src/common/time.hpp"

namespace shop {
namespace {

TEST(JsonWriter, PlacesCommasAndEscapes) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("a");
  w.BeginArray();
  w.Int(1);
  w.Int(-2);
  w.BeginObject();
  w.EndObject();
  w.EndArray();
  w.Key("s\"");
  w.String("line\nbreak");
  w.Key("d");
  w.Double(4.3);
  w.Key("n");
  w.Double(std::nan(""));
  w.Key("b");
  w.Bool(true);
  w.Key("z");
  w.Null();
  w.EndObject();
  EXPECT_EQ(out, R"({"a":[1,-2,{}],"s\"":"line\nbreak","d":4.3,"n":null,"b":true,"z":null})");
}

TEST(Time, FormatsFixedWidthUtcMilliseconds) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(1'704'067'200'123), "2024-01-01T00:00:00.123Z");
  EXPECT_EQ(NowTimestamp().size(), 24u);
}

}  // namespace
}  // namespace shop
