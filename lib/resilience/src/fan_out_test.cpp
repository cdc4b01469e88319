#include "keel/resilience/fan_out.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "dependency_test_support.hpp"
#include "keel/core/with_deadline.hpp"

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

class FanOutTest : public ::testing::Test {
 protected:
  // Item i answers i*10 after `delays[i]`, or fails when `fail[i]`.
  asio::awaitable<Result<int>> Item(std::size_t i, Deadline d) {
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    auto slept = co_await SleepFor(delays_[i], d);
    --in_flight_;
    if (!slept) {
      co_return slept.error();
    }
    if (fail_[i]) {
      co_return Error(ErrorCode::kUnavailable, "item " + std::to_string(i));
    }
    co_return static_cast<int>(i) * 10;
  }
  std::vector<Result<int>> Run(std::size_t count, std::size_t limit, Deadline d) {
    delays_.resize(count, 1ms);
    fail_.resize(count, false);
    return testing::RunToCompletion(
        io_, FanOut<int>(count, {.max_concurrency = limit}, d,
                         [this](std::size_t i, Deadline dl) { return Item(i, dl); }));
  }

  asio::io_context io_;
  std::vector<Duration> delays_;
  std::vector<bool> fail_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
};

TEST_F(FanOutTest, GathersEveryResultInOrderUnderTheBound) {
  delays_ = {5ms, 1ms, 3ms, 1ms, 2ms, 1ms, 4ms, 1ms, 1ms, 2ms};
  auto results = Run(10, 3, Deadline::After(2s));
  ASSERT_EQ(results.size(), 10u);
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << i;
    EXPECT_EQ(*results[i], static_cast<int>(i) * 10);
  }
  EXPECT_EQ(max_in_flight_, 3);
}

TEST_F(FanOutTest, KeepsPartialResultsOnFailure) {
  fail_ = {false, true, false, true};
  auto results = Run(4, 8, Deadline::After(1s));
  EXPECT_TRUE(results[0].ok());
  EXPECT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error().message(), "item 1");
  EXPECT_TRUE(results[2].ok());
  EXPECT_FALSE(results[3].ok());
}

TEST_F(FanOutTest, DeadlineCutsRunningItemsAndSkipsTheRest) {
  delays_ = {1ms, 1s, 1s, 1ms, 1ms};
  const auto start = std::chrono::steady_clock::now();
  auto results = Run(5, 2, Deadline::After(50ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_TRUE(results[0].ok());
  for (std::size_t i : {1u, 2u}) {  // running when the deadline passed
    ASSERT_FALSE(results[i].ok()) << i;
    EXPECT_EQ(results[i].error().code(), ErrorCode::kDeadlineExceeded) << i;
  }
  for (std::size_t i : {3u, 4u}) {  // never started: both slots were held by slow items
    ASSERT_FALSE(results[i].ok()) << i;
    EXPECT_EQ(results[i].error().code(), ErrorCode::kDeadlineExceeded) << i;
  }
  EXPECT_EQ(in_flight_, 0) << "every item finished before FanOut returned";
}

TEST_F(FanOutTest, EmptyFanOut) {
  EXPECT_TRUE(Run(0, 4, Deadline::After(1s)).empty());
}

}  // namespace
}  // namespace keel::resilience
