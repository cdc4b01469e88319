#include "keel/resilience/retry.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "dependency_test_support.hpp"

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

class FixedRandom final : public Random {
 public:
  explicit FixedRandom(double v) : v_(v) {}
  double Uniform() noexcept override { return v_; }
  double v_;
};

TEST(Backoff, FullJitterStaysWithinTheCappedExponentialEnvelope) {
  FixedRandom zero(0.0), top(0.999999);
  const Duration expected_ceiling[] = {25ms, 50ms, 100ms, 200ms, 250ms, 250ms, 250ms};
  for (int retry = 0; retry < 7; ++retry) {
    EXPECT_EQ(FullJitterBackoff(retry, 25ms, 250ms, zero), Duration(0));
    const Duration high = FullJitterBackoff(retry, 25ms, 250ms, top);
    EXPECT_LT(high, expected_ceiling[retry]) << retry;
    EXPECT_GT(high, expected_ceiling[retry] * 0.999) << retry;
  }
  EXPECT_LE(FullJitterBackoff(1000, 25ms, 250ms, top), 250ms) << "no overflow for large retries";
}

TEST(Backoff, FullJitterIsUniform) {
  SplitMixRandom random(42);
  double sum = 0;
  Duration lo = Duration::max(), hi = Duration::zero();
  constexpr int kSamples = 20000;
  for (int i = 0; i < kSamples; ++i) {
    const Duration d = FullJitterBackoff(2, 25ms, 250ms, random);  // [0, 100 ms)
    ASSERT_GE(d, Duration(0));
    ASSERT_LT(d, 100ms);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
    sum += std::chrono::duration<double, std::milli>(d).count();
  }
  EXPECT_NEAR(sum / kSamples, 50.0, 2.0);
  EXPECT_LT(lo, 2ms);
  EXPECT_GT(hi, 98ms);
}

class RetryPolicyTest : public ::testing::Test {
 protected:
  RetryPolicy Make(Random& random, RetryBudget* budget = nullptr, int max_attempts = 3) {
    return RetryPolicy({.name = "dep", .max_attempts = max_attempts}, budget, random, clock_,
                       sink_);
  }
  Deadline In(Duration d) { return Deadline::At(clock_.Now() + d); }

  ManualClock clock_{TimePoint(std::chrono::hours(1))};
  testing::RecordingSink sink_;
  const Error unavailable_{ErrorCode::kUnavailable, "down"};
};

TEST_F(RetryPolicyTest, OnlyIdempotentRetryableCallsWithinAttemptsRetry) {
  FixedRandom random(0.5);
  auto policy = Make(random);
  EXPECT_TRUE(policy.Decide(1, unavailable_, true, In(1s)).retry());
  EXPECT_EQ(policy.Decide(1, unavailable_, false, In(1s)).stop, RetryStop::kNotIdempotent);
  EXPECT_EQ(policy.Decide(1, Error(ErrorCode::kNotFound, "x"), true, In(1s)).stop,
            RetryStop::kNotRetryable);
  EXPECT_EQ(policy.Decide(1, Error(ErrorCode::kCancelled, "x"), true, In(1s)).stop,
            RetryStop::kNotRetryable);
  EXPECT_TRUE(policy.Decide(2, unavailable_, true, In(1s)).retry());
  EXPECT_EQ(policy.Decide(3, unavailable_, true, In(1s)).stop, RetryStop::kAttemptsExhausted);
  const auto d = policy.Decide(2, unavailable_, true, In(1s));
  EXPECT_EQ(d.delay, 25ms);  // second retry: half of min(250, 25 * 2) ms
}

TEST_F(RetryPolicyTest, NeverBacksOffPastTheDeadline) {
  FixedRandom random(0.99);  // back-off of the first retry: 24.75 ms
  auto policy = Make(random);
  EXPECT_EQ(policy.Decide(1, unavailable_, true, In(20ms)).stop, RetryStop::kDeadline);
  EXPECT_EQ(policy.Decide(1, unavailable_, true, In(24750us)).stop, RetryStop::kDeadline);
  EXPECT_TRUE(policy.Decide(1, unavailable_, true, In(30ms)).retry());
  EXPECT_EQ(sink_.Count("keel_retry_deadline_stops_total", {{"dependency", "dep"}}), 2u);
}

TEST_F(RetryPolicyTest, RetryAfterIsALowerBound) {
  FixedRandom random(0.1);
  auto policy = Make(random);
  const Error busy = Error(ErrorCode::kUnavailable, "503").WithRetryAfter(1s);
  EXPECT_EQ(policy.Decide(1, busy, true, In(500ms)).stop, RetryStop::kDeadline);
  const auto d = policy.Decide(1, busy, true, In(5s));
  ASSERT_TRUE(d.retry());
  EXPECT_EQ(d.delay, 1s);
}

TEST_F(RetryPolicyTest, BudgetBoundsRetriesAndIsOnlySpentOnRetriesMade) {
  FixedRandom random(0.0);
  RetryBudget budget({.percent = 10, .min_per_second = 0, .ttl = 10s}, clock_);
  auto policy = Make(random, &budget);
  for (int i = 0; i < 50; ++i) {
    policy.OnCall();
  }
  // Stops for other reasons do not take budget.
  EXPECT_FALSE(policy.Decide(1, unavailable_, false, In(1s)).retry());
  EXPECT_FALSE(policy.Decide(3, unavailable_, true, In(1s)).retry());
  int made = 0;
  for (int i = 0; i < 20; ++i) {
    made += policy.Decide(1, unavailable_, true, In(1s)).retry() ? 1 : 0;
  }
  EXPECT_EQ(made, 5);  // 10 % of 50
  EXPECT_EQ(sink_.Count("keel_retry_budget_exhausted_total", {{"dependency", "dep"}}), 15u);
  EXPECT_EQ(sink_.Count("keel_retries_total", {{"dependency", "dep"}}), 5u);
  EXPECT_EQ(sink_.Count("keel_retry_attempts_total", {{"dependency", "dep"}}), 55u);
}

TEST(RetryBudgetTest, PercentOfRequestsPlusReserve) {
  ManualClock clock;
  RetryBudget budget({.percent = 20, .min_per_second = 0.5, .ttl = 10s}, clock);
  int allowed = 0;
  while (budget.TryWithdraw()) {
    ++allowed;
  }
  EXPECT_EQ(allowed, 5) << "reserve: 0.5/s x 10 s";
  for (int i = 0; i < 10; ++i) {
    budget.Deposit();
  }
  EXPECT_TRUE(budget.TryWithdraw());
  EXPECT_TRUE(budget.TryWithdraw());
  EXPECT_FALSE(budget.TryWithdraw()) << "20 % of 10 requests";
  EXPECT_EQ(budget.Read().requests, 10u);
  EXPECT_EQ(budget.Read().withdrawn, 7u);
}

TEST(RetryBudgetTest, DepositsAndWithdrawalsExpireAfterTtl) {
  ManualClock clock;
  RetryBudget budget({.percent = 10, .min_per_second = 0, .ttl = 10s}, clock);
  for (int i = 0; i < 30; ++i) {
    budget.Deposit();
  }
  clock.Advance(6s);
  for (int i = 0; i < 10; ++i) {
    budget.Deposit();
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(budget.TryWithdraw());
  }
  EXPECT_FALSE(budget.TryWithdraw());
  clock.Advance(5s);  // the first 30 deposits have left the window (and no withdrawal yet)
  EXPECT_EQ(budget.Read().requests, 10u);
  EXPECT_FALSE(budget.TryWithdraw()) << "4 withdrawn against 10 % of 10";
  clock.Advance(6s);  // everything has left
  EXPECT_EQ(budget.Read().requests, 0u);
  EXPECT_EQ(budget.Read().withdrawn, 0u);
  budget.Deposit();
  EXPECT_FALSE(budget.TryWithdraw()) << "0.1 of a retry is not a retry";
}

TEST(RunWithRetryTest, RetriesUntilSuccess) {
  asio::io_context io;
  SteadyClock steady;
  SplitMixRandom random(7);
  testing::RecordingSink sink;
  RetryPolicy policy({.name = "dep", .max_attempts = 4, .base = 1ms, .cap = 2ms}, nullptr, random,
                     steady, sink);
  int calls = 0;
  auto attempt = [&](int n) -> asio::awaitable<Result<int>> {
    ++calls;
    if (n < 3) {
      co_return Error(ErrorCode::kUnavailable, "down");
    }
    co_return n;
  };
  auto r =
      testing::RunToCompletion(io, RunWithRetry<int>(policy, true, Deadline::After(1s), attempt));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 3);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(sink.Count("keel_retries_total", {{"dependency", "dep"}}), 2u);
}

TEST(RunWithRetryTest, EndsBeforeTheDeadlineWithTheLastError) {
  asio::io_context io;
  SteadyClock steady;
  FixedRandom random(0.99);
  testing::RecordingSink sink;
  RetryPolicy policy({.name = "dep", .max_attempts = 5, .base = 20ms, .cap = 20ms}, nullptr, random,
                     steady, sink);
  int calls = 0;
  auto attempt = [&](int n) -> asio::awaitable<Result<int>> {
    ++calls;
    co_return Error(ErrorCode::kUnavailable, "down " + std::to_string(n));
  };
  const auto start = std::chrono::steady_clock::now();
  auto r =
      testing::RunToCompletion(io, RunWithRetry<int>(policy, true, Deadline::After(50ms), attempt));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 65ms);  // 50 ms + scheduling slack
  ASSERT_FALSE(r.ok());
  // Attempts at ~0, ~20, ~40 ms; a fourth could not start before 50 ms (fewer on a slow machine).
  EXPECT_GE(calls, 2);
  EXPECT_LE(calls, 3);
  EXPECT_EQ(r.error().message(), "down " + std::to_string(calls));
}

}  // namespace
}  // namespace keel::resilience
