#include "keel/resilience/service_time.hpp"

#include <gtest/gtest.h>

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;

TEST(ServiceTimeTable, UnknownUntilEnoughSamples) {
  ServiceTimeTable t({.alpha = 0.5, .min_samples = 3});
  int route = 0;
  EXPECT_FALSE(t.Typical(&route));
  t.Record(&route, 100ms);
  t.Record(&route, 100ms);
  EXPECT_FALSE(t.Typical(&route));
  t.Record(&route, 100ms);
  EXPECT_EQ(*t.Typical(&route), 100ms);
}

TEST(ServiceTimeTable, MovingAveragePerRoute) {
  ServiceTimeTable t({.alpha = 0.5, .min_samples = 1});
  int a = 0, b = 0;
  t.Record(&a, 100ms);  // seeds
  t.Record(&a, 200ms);  // 150
  t.Record(&a, 50ms);   // 100
  t.Record(&b, 7ms);
  EXPECT_EQ(*t.Typical(&a), 100ms);
  EXPECT_EQ(*t.Typical(&b), 7ms);
}

}  // namespace
}  // namespace keel::resilience
