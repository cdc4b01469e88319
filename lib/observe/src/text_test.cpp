#include "text.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace keel::observe::detail {
namespace {

TEST(TextTest, NanosAsSeconds) {
  const auto f = [](std::uint64_t ns) {
    std::string out;
    AppendNanosAsSeconds(out, ns);
    return out;
  };
  EXPECT_EQ(f(0), "0");
  EXPECT_EQ(f(32768), "0.000032768");
  EXPECT_EQ(f(1'500'000'000), "1.5");
  EXPECT_EQ(f(68'719'476'736), "68.719476736");
  EXPECT_EQ(f(3'000'000'000), "3");
}

TEST(TextTest, NanosAsMillis3) {
  const auto f = [](std::int64_t ns) {
    std::string out;
    AppendNanosAsMillis3(out, ns);
    return out;
  };
  EXPECT_EQ(f(0), "0.000");
  EXPECT_EQ(f(499), "0.000");
  EXPECT_EQ(f(500), "0.001");
  EXPECT_EQ(f(1'234'567), "1.235");
  EXPECT_EQ(f(-5), "0.000");
  EXPECT_EQ(f(std::numeric_limits<std::int64_t>::max()), "9223372036854.776");
}

TEST(TextTest, Doubles) {
  const auto f = [](double v) {
    std::string out;
    AppendDouble(out, v);
    return out;
  };
  EXPECT_EQ(f(2.5), "2.5");
  EXPECT_EQ(f(-1), "-1");
  EXPECT_EQ(f(0.1), "0.1");
  EXPECT_EQ(f(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(f(std::numeric_limits<double>::quiet_NaN()), "NaN");
  std::string fixed;
  AppendFixed(fixed, 1.2345678, 3);
  EXPECT_EQ(fixed, "1.235");
}

}  // namespace
}  // namespace keel::observe::detail
