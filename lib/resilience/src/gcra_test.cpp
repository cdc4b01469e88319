#include "keel/resilience/gcra.hpp"

#include <gtest/gtest.h>

#include "keel/resilience/local_rate_limiter.hpp"

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;

TEST(Gcra, BurstThenSteadyRate) {
  const Gcra gcra({.count = 10, .period = 1s, .burst = 4});  // T = 100 ms, τ = 500 ms
  EXPECT_EQ(gcra.emission_interval(), 100ms);
  EXPECT_EQ(gcra.tolerance(), 500ms);
  std::optional<TimePoint> tat;
  TimePoint now{};
  for (int i = 0; i < 5; ++i) {
    const auto d = gcra.Apply(tat, now, 1);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 5);
    EXPECT_EQ(d.remaining, 4 - i);
  }
  const auto refused = gcra.Apply(tat, now, 1);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  ASSERT_TRUE(refused.retry_after);
  EXPECT_EQ(*refused.retry_after, 100ms);
  EXPECT_EQ(refused.next_unit, 100ms);  // RateLimit t == Retry-After on a refusal
  EXPECT_EQ(refused.reset_after, 500ms);
  // Steady state: exactly one request per emission interval.
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(gcra.Apply(tat, now + 99ms, 1).allowed);
    now += 100ms;
    const auto d = gcra.Apply(tat, now, 1);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 0);
  }
}

TEST(Gcra, RefusalDoesNotConsume) {
  const Gcra gcra({.count = 1, .period = 1s, .burst = 0});
  std::optional<TimePoint> tat;
  TimePoint now{};
  ASSERT_TRUE(gcra.Apply(tat, now, 1).allowed);
  const TimePoint stored = *tat;
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(gcra.Apply(tat, now + 500ms, 1).allowed);
  }
  EXPECT_EQ(*tat, stored);
  const auto again = gcra.Apply(tat, now + 1s, 1);
  EXPECT_TRUE(again.allowed);
}

TEST(Gcra, RetryAfterAndRemainingAfterPartialRecovery) {
  const Gcra gcra({.count = 10, .period = 1s, .burst = 9});  // T 100 ms, τ 1 s, limit 10
  std::optional<TimePoint> tat;
  TimePoint now{};
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(gcra.Apply(tat, now, 1).allowed);
  }
  // 250 ms later two units have come back (one every 100 ms) and the third is 50 ms away.
  const auto peek = gcra.Apply(tat, now + 250ms, 0);
  EXPECT_EQ(peek.remaining, 2);
  EXPECT_EQ(peek.next_unit, 50ms);
  const auto d = gcra.Apply(tat, now + 250ms, 1);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 1);
  EXPECT_EQ(d.next_unit, 50ms);
  EXPECT_EQ(d.reset_after, 850ms);
}

TEST(Gcra, QuantityAboveTheBurstCanNeverSucceed) {
  const Gcra gcra({.count = 10, .period = 1s, .burst = 2});
  std::optional<TimePoint> tat;
  const auto d = gcra.Apply(tat, TimePoint{}, 5);
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.retry_after.has_value());
  EXPECT_FALSE(tat.has_value());
}

TEST(Gcra, FullKeyHasNothingToWaitFor) {
  const Gcra gcra({.count = 5, .period = 1s, .burst = 4});
  std::optional<TimePoint> tat;
  const auto peek = gcra.Apply(tat, TimePoint{}, 0);
  EXPECT_EQ(peek.remaining, 5);
  EXPECT_EQ(peek.next_unit, Duration::zero());
  EXPECT_EQ(peek.reset_after, Duration::zero());
}

TEST(Gcra, CeilSeconds) {
  EXPECT_EQ(CeilSeconds(Duration::zero()), 0);
  EXPECT_EQ(CeilSeconds(1ns), 1);
  EXPECT_EQ(CeilSeconds(1s), 1);
  EXPECT_EQ(CeilSeconds(1001ms), 2);
}

TEST(LocalRateLimiter, KeysAreIndependent) {
  ManualClock clock;
  LocalRateLimiter limiter({.count = 1, .period = 1s, .burst = 0}, {}, clock);
  EXPECT_TRUE(limiter.AcquireNow("a").allowed);
  EXPECT_FALSE(limiter.AcquireNow("a").allowed);
  EXPECT_TRUE(limiter.AcquireNow("b").allowed);
  clock.Advance(1s);
  EXPECT_TRUE(limiter.AcquireNow("a").allowed);
}

TEST(LocalRateLimiter, KeyTableIsBounded) {
  ManualClock clock;
  Gauge keys;
  LocalRateLimiter limiter({.count = 1, .period = 1h, .burst = 0}, {.max_keys = 64, .shards = 8},
                           clock, &keys);
  for (int i = 0; i < 10000; ++i) {
    EXPECT_TRUE(limiter.AcquireNow("client-" + std::to_string(i)).allowed);
    ASSERT_LE(limiter.size(), 64u);
  }
  EXPECT_GE(limiter.size(), 56u);  // shards fill unevenly but not much
  EXPECT_EQ(keys.Value(), static_cast<double>(limiter.size()));
  EXPECT_GT(limiter.active_evictions(), 0u);  // the cost of the bound: forgotten debts
}

TEST(LocalRateLimiter, IdleKeysAreDroppedAsTrafficPasses) {
  ManualClock clock;
  LocalRateLimiter limiter({.count = 10, .period = 1s, .burst = 0}, {.max_keys = 1000, .shards = 1},
                           clock);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(limiter.AcquireNow("k" + std::to_string(i)).allowed);
  }
  EXPECT_EQ(limiter.size(), 100u);
  clock.Advance(1s);  // every TAT is in the past: all idle
  for (int i = 0; i < 60; ++i) {
    (void)limiter.AcquireNow("busy");
    clock.Advance(100ms);
  }
  EXPECT_LE(limiter.size(), 2u);
  EXPECT_EQ(limiter.active_evictions(), 0u);
}

TEST(LocalRateLimiter, RefusedUnknownKeyStoresNothing) {
  ManualClock clock;
  LocalRateLimiter limiter({.count = 1, .period = 1s, .burst = 0}, {}, clock);
  EXPECT_FALSE(limiter.AcquireNow("big", 5).allowed);
  EXPECT_EQ(limiter.size(), 0u);
}

}  // namespace
}  // namespace keel::resilience
