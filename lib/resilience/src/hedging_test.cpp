#include "keel/resilience/hedging.hpp"

#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include "dependency_test_support.hpp"
#include "keel/core/with_deadline.hpp"

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST(LatencyTracker, Quantiles) {
  LatencyTracker t(100);
  EXPECT_FALSE(t.Quantile(0.95).has_value());
  for (int i = 100; i >= 1; --i) {
    t.Record(std::chrono::milliseconds(i));
  }
  EXPECT_EQ(t.Quantile(0.95), 95ms);
  EXPECT_EQ(t.Quantile(0.5), 50ms);
  for (int i = 0; i < 100; ++i) {  // the window keeps only the most recent samples
    t.Record(1ms);
  }
  EXPECT_EQ(t.Quantile(0.95), 1ms);
}

class HedgeTest : public ::testing::Test {
 protected:
  HedgeSettings Settings() {
    return {.name = "dep", .max_attempts = 2, .min_delay = 20ms, .min_samples = 5};
  }
  void Warm(HedgePolicy& p, Duration latency = 1ms) {
    for (int i = 0; i < 5; ++i) {
      p.OnSuccess(latency, false);
    }
  }
  // An attempt that answers `value` after `after`, or reports that it was cancelled.
  asio::awaitable<Result<int>> Answer(int index, Duration after, Result<int> value) {
    auto slept = co_await SleepFor(after, Deadline::Never());
    if (!slept) {
      cancelled_.push_back(index);
      co_return slept.error();
    }
    co_return value;
  }
  std::uint64_t Count(const char* name) { return sink_.Count(name, {{"dependency", "dep"}}); }

  asio::io_context io_;
  testing::RecordingSink sink_;
  std::vector<int> cancelled_;
};

TEST_F(HedgeTest, NoEstimateNoHedge) {
  HedgePolicy policy(Settings(), nullptr, sink_);
  EXPECT_FALSE(policy.Delay().has_value());
  auto r = testing::RunToCompletion(
      io_, RunHedged<int>(policy, Deadline::After(1s), [&](int i) { return Answer(i, 50ms, i); }));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 0);
  EXPECT_EQ(Count("keel_hedges_total"), 0u);
}

TEST_F(HedgeTest, DelayIsTheQuantileWithAFloor) {
  HedgePolicy policy(Settings(), nullptr, sink_);
  Warm(policy, 1ms);
  EXPECT_EQ(policy.Delay(), 20ms);  // p95 1 ms, floor 20 ms
  Warm(policy, 40ms);
  EXPECT_EQ(policy.Delay(), 40ms);
}

TEST_F(HedgeTest, SlowAttemptIsHedgedAndTheLoserCancelled) {
  HedgePolicy policy(Settings(), nullptr, sink_);
  Warm(policy);
  const auto start = std::chrono::steady_clock::now();
  auto r = testing::RunToCompletion(io_, RunHedged<int>(policy, Deadline::After(2s), [&](int i) {
                                      return Answer(i, i == 0 ? 1s : 5ms, 100 + i);
                                    }));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 101);
  EXPECT_GE(took, 20ms);  // not before the hedge delay
  EXPECT_LT(took, 500ms);
  EXPECT_EQ(cancelled_, std::vector<int>{0});
  EXPECT_EQ(Count("keel_hedges_total"), 1u);
  EXPECT_EQ(Count("keel_hedges_won_total"), 1u);
}

TEST_F(HedgeTest, FastFirstAttemptSendsNoHedge) {
  HedgePolicy policy(Settings(), nullptr, sink_);
  Warm(policy);
  auto r = testing::RunToCompletion(
      io_, RunHedged<int>(policy, Deadline::After(1s), [&](int i) { return Answer(i, 1ms, i); }));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Count("keel_hedges_total"), 0u);
}

TEST_F(HedgeTest, BudgetRefusesHedges) {
  SteadyClock steady;
  RetryBudget budget({.percent = 0, .min_per_second = 0}, steady);
  HedgePolicy policy(Settings(), &budget, sink_);
  Warm(policy);
  auto r = testing::RunToCompletion(
      io_, RunHedged<int>(policy, Deadline::After(1s), [&](int i) { return Answer(i, 60ms, i); }));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 0);
  EXPECT_EQ(Count("keel_hedges_total"), 0u);
  EXPECT_EQ(Count("keel_hedge_budget_refusals_total"), 1u);
}

TEST_F(HedgeTest, NonFatalFailureHedgesAtOnceFatalEndsTheCall) {
  HedgePolicy policy(Settings(), nullptr, sink_);  // no estimate: only failures trigger hedges
  const auto start = std::chrono::steady_clock::now();
  auto r = testing::RunToCompletion(
      io_, RunHedged<int>(policy, Deadline::After(1s), [&](int i) {
        return Answer(i, 1ms, i == 0 ? Result<int>(Error(ErrorCode::kUnavailable, "x")) : 7);
      }));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 200ms);

  auto fatal = testing::RunToCompletion(
      io_, RunHedged<int>(policy, Deadline::After(1s), [&](int i) {
        return Answer(i, 1ms, Result<int>(Error(ErrorCode::kNotFound, "no")));
      }));
  ASSERT_FALSE(fatal.ok());
  EXPECT_EQ(fatal.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(Count("keel_hedges_total"), 1u);  // only the first call's
}

TEST_F(HedgeTest, AllAttemptsFailingReturnsTheLastError) {
  HedgePolicy policy(Settings(), nullptr, sink_);
  auto r = testing::RunToCompletion(
      io_, RunHedged<int>(policy, Deadline::After(1s), [&](int i) {
        return Answer(i, 1ms, Result<int>(Error(ErrorCode::kUnavailable, std::to_string(i))));
      }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "1");
}

TEST_F(HedgeTest, CancellingTheCallerCancelsEveryAttempt) {
  HedgePolicy policy(Settings(), nullptr, sink_);
  Warm(policy);
  asio::cancellation_signal signal;
  std::optional<Result<int>> out;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        out = co_await RunHedged<int>(policy, Deadline::After(5s),
                                      [&](int i) { return Answer(i, 5s, i); });
      },
      asio::bind_cancellation_slot(signal.slot(), asio::detached));
  io_.run_for(60ms);  // both attempts are running
  signal.emit(asio::cancellation_type::terminal);
  while (!out) {
    io_.run_one();
  }
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(cancelled_.size(), 2u);
}

}  // namespace
}  // namespace keel::resilience
