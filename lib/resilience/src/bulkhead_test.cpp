#include "keel/resilience/bulkhead.hpp"

#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "dependency_test_support.hpp"

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

class BulkheadTest : public ::testing::Test {
 protected:
  // Starts an Acquire on io_; the outcome lands in `out`.
  void StartAcquire(Bulkhead& b, Deadline d, std::optional<Result<BulkheadPermit>>& out,
                    asio::cancellation_slot slot = {}) {
    asio::co_spawn(
        io_, [&b, d, &out]() -> asio::awaitable<void> { out.emplace(co_await b.Acquire(d)); },
        asio::bind_cancellation_slot(slot, testing::kRethrow));
  }
  void RunUntil(const std::optional<Result<BulkheadPermit>>& out) {
    io_.restart();  // it stops whenever it runs out of work
    while (!out) {
      io_.run_one();
    }
  }
  asio::io_context io_;
  testing::RecordingSink sink_;
};

TEST_F(BulkheadTest, LimitsConcurrency) {
  Bulkhead b({.name = "dep", .max_concurrent = 2}, sink_);
  auto p1 = b.TryAcquire();
  auto p2 = b.TryAcquire();
  ASSERT_TRUE(p1.ok() && p2.ok());
  auto p3 = b.TryAcquire();
  ASSERT_FALSE(p3.ok());
  EXPECT_EQ(p3.error().code(), ErrorCode::kOverloaded);
  EXPECT_EQ(p3.error().retry_after(), 1s);
  EXPECT_EQ(b.in_use(), 2u);
  { auto released = std::move(*p1); }
  EXPECT_EQ(b.in_use(), 1u);
  EXPECT_TRUE(b.TryAcquire().ok());
  EXPECT_EQ(
      sink_.Count("keel_bulkhead_rejections_total", {{"dependency", "dep"}, {"reason", "full"}}),
      1u);
}

TEST_F(BulkheadTest, WaiterGetsTheReleasedSlot) {
  Bulkhead b({.name = "dep", .max_concurrent = 1, .max_wait = 1s}, sink_);
  std::optional<BulkheadPermit> held = b.TryAcquire().value();
  std::optional<Result<BulkheadPermit>> out;
  StartAcquire(b, Deadline::After(2s), out);
  io_.run_for(10ms);
  EXPECT_FALSE(out);
  EXPECT_EQ(b.waiting(), 1u);
  held.reset();
  RunUntil(out);
  ASSERT_TRUE(out->ok());
  EXPECT_EQ(b.in_use(), 1u);
  EXPECT_EQ(b.waiting(), 0u);
}

TEST_F(BulkheadTest, WaitIsBoundedByMaxWaitThenByTheDeadline) {
  Bulkhead b({.name = "dep", .max_concurrent = 1, .max_wait = 20ms}, sink_);
  auto held = b.TryAcquire();
  std::optional<Result<BulkheadPermit>> out;
  const auto start = std::chrono::steady_clock::now();
  StartAcquire(b, Deadline::After(1s), out);
  RunUntil(out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().code(), ErrorCode::kOverloaded);

  out.reset();
  StartAcquire(b, Deadline::After(5ms), out);
  RunUntil(out);
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(b.waiting(), 0u);
}

TEST_F(BulkheadTest, QueueIsBounded) {
  Bulkhead b({.name = "dep", .max_concurrent = 1, .max_queue = 1, .max_wait = 1s}, sink_);
  auto held = b.TryAcquire();
  std::optional<Result<BulkheadPermit>> first, second;
  StartAcquire(b, Deadline::After(2s), first);
  StartAcquire(b, Deadline::After(2s), second);
  RunUntil(second);
  ASSERT_FALSE(second->ok());
  EXPECT_EQ(second->error().code(), ErrorCode::kOverloaded);
  EXPECT_FALSE(first);
  { auto release = std::move(*held); }
  RunUntil(first);
  EXPECT_TRUE(first->ok());
}

TEST_F(BulkheadTest, CancelledWaiterLeavesTheQueueAndGetsNoSlot) {
  Bulkhead b({.name = "dep", .max_concurrent = 1, .max_wait = 1s}, sink_);
  std::optional<BulkheadPermit> held = b.TryAcquire().value();
  asio::cancellation_signal signal;
  std::optional<Result<BulkheadPermit>> out;
  StartAcquire(b, Deadline::After(2s), out, signal.slot());
  io_.run_for(5ms);
  signal.emit(asio::cancellation_type::terminal);
  RunUntil(out);
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(b.waiting(), 0u);
  held.reset();
  EXPECT_EQ(b.in_use(), 0u);
}

TEST_F(BulkheadTest, ReleaseFromAnotherThreadWakesTheWaiter) {
  Bulkhead b({.name = "dep", .max_concurrent = 1, .max_wait = 2s}, sink_);
  std::optional<BulkheadPermit> held = b.TryAcquire().value();
  std::optional<Result<BulkheadPermit>> out;
  StartAcquire(b, Deadline::After(5s), out);
  auto guard = asio::make_work_guard(io_);
  std::thread io_thread([this] { io_.run(); });
  std::this_thread::sleep_for(20ms);
  held.reset();  // on this thread
  const auto start = std::chrono::steady_clock::now();
  while (b.waiting() != 0 && std::chrono::steady_clock::now() - start < 1s) {
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(10ms);
  guard.reset();
  io_.stop();
  io_thread.join();
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->ok());
  out.reset();  // the permit is released before the bulkhead is destroyed
  EXPECT_EQ(b.in_use(), 0u);
}

}  // namespace
}  // namespace keel::resilience
