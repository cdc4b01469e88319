#include "keel/resilience/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "dependency_test_support.hpp"

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;

class BreakerTest : public ::testing::Test {
 protected:
  CircuitBreakerSettings Settings() {
    CircuitBreakerSettings s;
    s.name = "dep";
    s.window_size = 10;
    s.minimum_calls = 5;
    s.failure_rate_threshold = 50;
    s.wait_in_open = 10s;
    s.permitted_calls_in_half_open = 3;
    return s;
  }
  std::unique_ptr<CircuitBreaker> Make(CircuitBreakerSettings s) {
    return std::make_unique<CircuitBreaker>(std::move(s), clock_, sink_,
                                            [this](const BreakerTransition& t) {
                                              transitions_.push_back({t.from, t.to});
                                            });
  }
  // One call through the breaker; false when it was not permitted.
  bool Call(CircuitBreaker& b, bool fail, Duration took = 1ms) {
    auto permit = b.TryAcquire();
    if (!permit) {
      return false;
    }
    clock_.Advance(took);
    fail ? permit->Failure(Error(ErrorCode::kUnavailable, "down")) : permit->Success();
    return true;
  }

  ManualClock clock_{TimePoint(std::chrono::hours(1))};
  testing::RecordingSink sink_;
  std::vector<std::pair<BreakerState, BreakerState>> transitions_;
};

TEST_F(BreakerTest, CountWindowOpensAtTheFailureRateOnlyAfterMinimumCalls) {
  auto b = Make(Settings());
  EXPECT_TRUE(Call(*b, true));
  EXPECT_TRUE(Call(*b, true));
  EXPECT_TRUE(Call(*b, false));
  EXPECT_TRUE(Call(*b, true));  // 3/4 failed, but 4 < minimum_calls
  EXPECT_EQ(b->state(), BreakerState::kClosed);
  EXPECT_EQ(b->Read().failure_rate, -1);
  EXPECT_TRUE(Call(*b, false));  // 3/5 = 60 % >= 50 %
  EXPECT_EQ(b->state(), BreakerState::kOpen);
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0], std::make_pair(BreakerState::kClosed, BreakerState::kOpen));
  EXPECT_EQ(sink_.GaugeValue("keel_breaker_state", {{"dependency", "dep"}}), 1);
  EXPECT_EQ(sink_.Count("keel_breaker_transitions_total",
                        {{"dependency", "dep"}, {"from", "closed"}, {"to", "open"}}),
            1u);
}

TEST_F(BreakerTest, ThresholdIsInclusive) {
  auto s = Settings();
  s.minimum_calls = 4;
  auto b = Make(s);
  Call(*b, true);
  Call(*b, false);
  Call(*b, false);
  Call(*b, true);  // exactly 50 %
  EXPECT_EQ(b->state(), BreakerState::kOpen);
}

TEST_F(BreakerTest, CountWindowSlides) {
  auto s = Settings();
  s.window_size = 4;
  s.minimum_calls = 4;
  auto b = Make(s);
  for (bool fail : {true, false, false, false, false}) {  // the failure slides out
    Call(*b, fail);
  }
  EXPECT_EQ(b->Read().failed, 0u);
  EXPECT_EQ(b->Read().calls, 4u);
  Call(*b, true);  // 1/4
  EXPECT_EQ(b->state(), BreakerState::kClosed);
  Call(*b, true);  // 2/4
  EXPECT_EQ(b->state(), BreakerState::kOpen);
}

TEST_F(BreakerTest, CountWindowCapsMinimumCallsAtItsSize) {
  auto s = Settings();
  s.window_size = 3;
  s.minimum_calls = 100;
  auto b = Make(s);
  for (int i = 0; i < 3; ++i) {
    Call(*b, true);
  }
  EXPECT_EQ(b->state(), BreakerState::kOpen);
}

TEST_F(BreakerTest, TimeWindowForgetsOldSecondsAndDoesNotCapMinimumCalls) {
  auto s = Settings();
  s.window_type = BreakerWindow::kTimeBased;
  s.window_size = 2;  // seconds
  s.minimum_calls = 3;
  auto b = Make(s);
  Call(*b, true);
  Call(*b, true);
  clock_.Advance(3s);  // both fall out of the window
  EXPECT_EQ(b->Read().calls, 0u);
  Call(*b, true);
  Call(*b, true);
  EXPECT_EQ(b->state(), BreakerState::kClosed);
  Call(*b, true);  // a burst of minimum_calls failures within the window trips it
  EXPECT_EQ(b->state(), BreakerState::kOpen);

  auto s2 = Settings();
  s2.window_type = BreakerWindow::kTimeBased;
  s2.window_size = 1;
  s2.minimum_calls = 5;  // more than one second of this traffic ever holds: never trips
  auto quiet = Make(s2);
  for (int i = 0; i < 20; ++i) {
    Call(*quiet, true, 300ms);
  }
  EXPECT_EQ(quiet->state(), BreakerState::kClosed);
}

TEST_F(BreakerTest, SlowCallsTripTheSlowRate) {
  auto s = Settings();
  s.minimum_calls = 4;
  s.slow_call_duration = 100ms;
  s.slow_call_rate_threshold = 50;
  s.failure_rate_threshold = 100;
  auto b = Make(s);
  Call(*b, false, 10ms);
  Call(*b, false, 200ms);
  Call(*b, false, 100ms);  // not slow: slow means longer than the duration
  EXPECT_EQ(b->Read().slow, 1u);
  Call(*b, true, 150ms);  // slow failures are slow too
  EXPECT_EQ(b->state(), BreakerState::kOpen);
  EXPECT_EQ(
      sink_.Count("keel_breaker_calls_total", {{"dependency", "dep"}, {"outcome", "slow_failure"}}),
      1u);
}

TEST_F(BreakerTest, OpenFailsFastWithTheRestOfTheWaitAsRetryAfter) {
  auto b = Make(Settings());
  for (int i = 0; i < 5; ++i) {
    Call(*b, true);
  }
  clock_.Advance(2500ms);
  auto refused = b->TryAcquire();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().retry_after(), 8s);  // 7.5 s left, rounded up
  EXPECT_EQ(sink_.Count("keel_breaker_calls_total",
                        {{"dependency", "dep"}, {"outcome", "not_permitted"}}),
            1u);
}

TEST_F(BreakerTest, HalfOpenPermitsExactlyTheTrialCallsThenCloses) {
  auto b = Make(Settings());
  for (int i = 0; i < 5; ++i) {
    Call(*b, true);
  }
  clock_.Advance(10s);
  std::vector<BreakerPermit> trials;
  for (int i = 0; i < 3; ++i) {
    auto p = b->TryAcquire();
    ASSERT_TRUE(p.ok()) << i;
    trials.push_back(std::move(*p));
  }
  EXPECT_EQ(b->state(), BreakerState::kHalfOpen);
  EXPECT_EQ(sink_.GaugeValue("keel_breaker_state", {{"dependency", "dep"}}), 2);
  EXPECT_FALSE(b->TryAcquire().ok());  // every trial permit is out
  trials[0].Success();
  trials[1].Success();
  EXPECT_EQ(b->state(), BreakerState::kHalfOpen);  // evaluated once all 3 are in
  trials[2].Success();
  EXPECT_EQ(b->state(), BreakerState::kClosed);
  EXPECT_EQ(b->Read().calls, 0u);  // a fresh window
  const std::vector<std::pair<BreakerState, BreakerState>> expected = {
      {BreakerState::kClosed, BreakerState::kOpen},
      {BreakerState::kOpen, BreakerState::kHalfOpen},
      {BreakerState::kHalfOpen, BreakerState::kClosed}};
  EXPECT_EQ(transitions_, expected);
}

TEST_F(BreakerTest, HalfOpenFailureReopensWithGrowingWait) {
  auto s = Settings();
  s.permitted_calls_in_half_open = 2;
  s.wait_in_open_multiplier = 2;
  auto b = Make(s);
  for (int i = 0; i < 5; ++i) {
    Call(*b, true);
  }
  clock_.Advance(10s);
  Call(*b, false);
  Call(*b, true);  // 1/2 = 50 % in the trial window
  EXPECT_EQ(b->state(), BreakerState::kOpen);
  clock_.Advance(10s);
  EXPECT_FALSE(b->TryAcquire().ok()) << "the second open period is twice as long";
  clock_.Advance(10s);
  EXPECT_TRUE(Call(*b, false));
  EXPECT_EQ(b->state(), BreakerState::kHalfOpen);
}

TEST_F(BreakerTest, DroppedOrIgnoredTrialPermitsAreGivenBack) {
  auto s = Settings();
  s.permitted_calls_in_half_open = 1;
  auto b = Make(s);
  for (int i = 0; i < 5; ++i) {
    Call(*b, true);
  }
  clock_.Advance(10s);
  {
    auto p = b->TryAcquire();
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(b->TryAcquire().ok());
  }  // dropped unrecorded (resilience4j #903: must not wedge HALF_OPEN)
  auto p = b->TryAcquire();
  ASSERT_TRUE(p.ok());
  p->Failure(Error(ErrorCode::kCancelled, "caller gone"));  // ignored
  EXPECT_EQ(b->state(), BreakerState::kHalfOpen);
  EXPECT_TRUE(Call(*b, false));
  EXPECT_EQ(b->state(), BreakerState::kClosed);
}

TEST_F(BreakerTest, HalfOpenTooLongReopens) {
  auto s = Settings();
  s.permitted_calls_in_half_open = 1;
  s.max_wait_in_half_open = 5s;
  auto b = Make(s);
  for (int i = 0; i < 5; ++i) {
    Call(*b, true);
  }
  clock_.Advance(10s);
  auto hanging = b->TryAcquire();  // a trial call that never reports
  ASSERT_TRUE(hanging.ok());
  clock_.Advance(6s);
  EXPECT_FALSE(b->TryAcquire().ok());
  EXPECT_EQ(b->state(), BreakerState::kOpen);
}

TEST_F(BreakerTest, LateResultsOfAnEarlierStateDoNotDecideTheTrial) {
  auto s = Settings();
  s.permitted_calls_in_half_open = 1;
  auto b = Make(s);
  auto late = b->TryAcquire();  // permitted while CLOSED
  ASSERT_TRUE(late.ok());
  for (int i = 0; i < 5; ++i) {
    Call(*b, true);
  }
  clock_.Advance(10s);
  auto trial = b->TryAcquire();
  ASSERT_TRUE(trial.ok());
  late->Failure(Error(ErrorCode::kUnavailable, "late"));
  EXPECT_EQ(b->state(), BreakerState::kHalfOpen);
  trial->Success();
  EXPECT_EQ(b->state(), BreakerState::kClosed);
}

TEST_F(BreakerTest, ClassifierDecidesWhatCounts) {
  auto s = Settings();
  s.minimum_calls = 2;
  auto b = Make(s);
  for (int i = 0; i < 4; ++i) {
    auto p = b->TryAcquire();
    ASSERT_TRUE(p.ok());
    p->Failure(Error(i % 2 == 0 ? ErrorCode::kNotFound : ErrorCode::kCancelled, "x"));
  }
  EXPECT_EQ(b->state(), BreakerState::kClosed);
  EXPECT_EQ(b->Read().calls, 2u);  // two answers (successes), two ignored
  EXPECT_EQ(b->Read().failed, 0u);
}

TEST_F(BreakerTest, ManualStates) {
  auto b = Make(Settings());
  b->TransitionToDisabled();
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(Call(*b, true));
  }
  EXPECT_EQ(b->state(), BreakerState::kDisabled);
  b->TransitionToForcedOpen();
  EXPECT_FALSE(b->TryAcquire().ok());
  clock_.Advance(1h);
  EXPECT_FALSE(b->TryAcquire().ok());
  b->TransitionToClosed();
  EXPECT_TRUE(Call(*b, false));
}

}  // namespace
}  // namespace keel::resilience
