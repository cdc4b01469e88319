#include "keel/core/blocking_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <future>

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

namespace keel {
namespace {

using namespace std::chrono_literals;

// Runs one coroutine on a fresh io_context to completion and returns its value.
template <typename T>
T RunOn(boost::asio::io_context& io, boost::asio::awaitable<T> aw) {
  std::optional<T> out;
  boost::asio::co_spawn(
      io,
      [&out, aw = std::move(aw)]() mutable -> boost::asio::awaitable<void> {
        out.emplace(co_await std::move(aw));
      },
      boost::asio::detached);
  io.run();
  io.restart();
  return std::move(*out);
}

TEST(BlockingPool, ReturnsValueFromWorker) {
  boost::asio::io_context io;
  BlockingPool pool({.name = "t", .threads = 2, .queue_capacity = 4}, nullptr);
  const auto caller = std::this_thread::get_id();
  auto r = RunOn(
      io, pool.Run([caller] { return std::this_thread::get_id() != caller; }, Deadline::After(5s)));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);  // the work ran on a worker thread, not the I/O thread
}

TEST(BlockingPool, WorkersRunAtTheConfiguredNiceIncrement) {
  boost::asio::io_context io;
  BlockingPool pool({.name = "t", .threads = 1, .queue_capacity = 4, .thread_nice = 5}, nullptr);
  errno = 0;
  const int base = getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  auto r =
      RunOn(io, pool.Run([] { return getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())); },
                         Deadline::After(5s)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, std::min(base + 5, 19));  // this thread (the caller) is unchanged
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())), base);
}

TEST(BlockingPool, IdleSchedulingPutsOnlyTheWorkersUnderSchedIdle) {
  boost::asio::io_context io;
  BlockingPool pool({.name = "t", .threads = 1, .queue_capacity = 4, .idle_scheduling = true},
                    nullptr);
  const int caller_policy = sched_getscheduler(0);
  auto r = RunOn(io, pool.Run([] { return sched_getscheduler(0); }, Deadline::After(5s)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, SCHED_IDLE);
  EXPECT_EQ(sched_getscheduler(0), caller_policy);  // the caller's policy is unchanged
}

TEST(BlockingPool, FlattensResult) {
  boost::asio::io_context io;
  BlockingPool pool({.threads = 1}, nullptr);
  auto r = RunOn(io, pool.Run([]() -> Result<int> { return Error(ErrorCode::kNotFound, "x"); },
                              Deadline::After(5s)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

TEST(BlockingPool, RefusesWhenQueueIsFull) {
  boost::asio::io_context io;
  DiscardingMetricSink sink;
  BlockingPool pool({.name = "t", .threads = 1, .queue_capacity = 1}, &sink);
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> ran{0};
  std::atomic<bool> started{false};
  std::vector<Result<int>> results;
  auto submit = [&]() -> boost::asio::awaitable<void> {
    // Named, not a lambda written inside co_await: see "g++ 12" in blocking_pool.hpp.
    auto work = [gate, &ran, &started] {
      started = true;
      gate.wait();
      return ++ran;
    };
    auto r = co_await pool.Run(std::move(work), Deadline::After(5s));
    results.push_back(std::move(r));
  };
  boost::asio::co_spawn(io, submit(), boost::asio::detached);
  while (!started) {
    io.run_for(1ms);
  }
  // One running; of two more, one is queued and the other refused at once.
  boost::asio::co_spawn(io, submit(), boost::asio::detached);
  boost::asio::co_spawn(io, submit(), boost::asio::detached);
  io.run_for(200ms);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].error().code(), ErrorCode::kOverloaded);
  ASSERT_TRUE(results[0].error().retry_after().has_value());
  release.set_value();
  io.restart();
  io.run();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[1].ok());
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(ran.load(), 2);
}

TEST(BlockingPool, DeadlineDropsQueuedTaskWithoutRunningIt) {
  boost::asio::io_context io;
  BlockingPool pool({.threads = 1, .queue_capacity = 4}, nullptr);
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<bool> second_ran{false};
  std::vector<ErrorCode> codes;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        auto work = [gate] { gate.wait(); };
        auto r = co_await pool.Run(std::move(work), Deadline::After(5s));
        codes.push_back(r.ok() ? ErrorCode::kOk : r.error().code());
      },
      boost::asio::detached);
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        const auto started = std::chrono::steady_clock::now();
        auto r = co_await pool.Run([&] { second_ran = true; }, Deadline::After(50ms));
        EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
        codes.push_back(r.ok() ? ErrorCode::kOk : r.error().code());
        release.set_value();
      },
      boost::asio::detached);
  io.run();
  ASSERT_EQ(codes.size(), 2u);
  EXPECT_EQ(codes[0], ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(codes[1], ErrorCode::kOk);
  pool.Stop();
  EXPECT_FALSE(second_ran.load());
}

TEST(BlockingPool, ExpiredDeadlineRefusesImmediately) {
  boost::asio::io_context io;
  BlockingPool pool({.threads = 1}, nullptr);
  auto r = RunOn(io, pool.Run([] { return 1; }, Deadline::At(TimePoint{})));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded);
}

TEST(BlockingPool, ManyConcurrentCallers) {
  boost::asio::io_context io;
  BlockingPool pool({.threads = 4, .queue_capacity = 1000}, nullptr);
  std::atomic<int> sum{0};
  int done = 0;
  for (int i = 1; i <= 500; ++i) {
    boost::asio::co_spawn(
        io,
        [&, i]() -> boost::asio::awaitable<void> {
          auto r = co_await pool.Run([i] { return i; }, Deadline::After(10s));
          sum += *r;
          ++done;
        },
        boost::asio::detached);
  }
  io.run();
  EXPECT_EQ(done, 500);
  EXPECT_EQ(sum.load(), 500 * 501 / 2);
}

// Occupies the pool's only worker until the returned promise is fulfilled.
struct Blocker {
  std::promise<void> release;
  std::atomic<bool> started{false};
};

void OccupyOnlyWorker(boost::asio::io_context& io, BlockingPool& pool, Blocker& blocker) {
  auto gate = blocker.release.get_future().share();
  boost::asio::co_spawn(
      io,
      [&pool, &blocker, gate]() -> boost::asio::awaitable<void> {
        auto work = [&blocker, gate] {
          blocker.started = true;
          gate.wait();
        };
        auto r = co_await pool.Run(std::move(work), Deadline::After(10s));
        EXPECT_TRUE(r.ok());
      },
      boost::asio::detached);
  while (!blocker.started) {
    io.run_for(1ms);
  }
}

TEST(BlockingPool, QueueWaitLimitFailsWithOverloaded) {
  boost::asio::io_context io;
  DiscardingMetricSink sink;
  Counter caller_counter;
  BlockingPool pool({.name = "t", .threads = 1, .queue_capacity = 4}, &sink);
  Blocker blocker;
  OccupyOnlyWorker(io, pool, blocker);
  std::atomic<bool> ran{false};
  std::optional<Result<void>> result;
  const auto started = std::chrono::steady_clock::now();
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        result.emplace(co_await pool.Run([&ran] { ran = true; }, Deadline::After(5s),
                                         {.max_queue_wait = 50ms,
                                          .queue_wait_message = "no slot within 50 ms",
                                          .queue_wait_timeouts = &caller_counter}));
      },
      boost::asio::detached);
  while (!result) {
    io.run_for(1ms);
  }
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 1s);
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().code(), ErrorCode::kOverloaded);
  EXPECT_EQ(result->error().message(), "no slot within 50 ms");
  EXPECT_EQ(result->error().retry_after(), std::chrono::seconds(1));
  EXPECT_EQ(caller_counter.Value(), 1u);
  EXPECT_EQ(sink.GetCounter("keel_pool_queue_timeouts_total", "", {{"pool", "t"}}).Value(), 1u);
  blocker.release.set_value();
  io.restart();
  io.run();
  pool.Stop();
  EXPECT_FALSE(ran.load());  // dropped unrun
}

TEST(BlockingPool, DeadlineBeforeQueueWaitLimitIsDeadlineExceeded) {
  boost::asio::io_context io;
  BlockingPool pool({.name = "t", .threads = 1, .queue_capacity = 4}, nullptr);
  Blocker blocker;
  OccupyOnlyWorker(io, pool, blocker);
  std::optional<Result<int>> result;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        result.emplace(
            co_await pool.Run([] { return 1; }, Deadline::After(30ms), {.max_queue_wait = 5s}));
      },
      boost::asio::detached);
  while (!result) {
    io.run_for(1ms);
  }
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().code(), ErrorCode::kDeadlineExceeded);
  blocker.release.set_value();
  io.restart();
  io.run();
}

TEST(BlockingPool, QueueWaitLimitDoesNotCutARunningTask) {
  boost::asio::io_context io;
  BlockingPool pool({.name = "t", .threads = 1, .queue_capacity = 4}, nullptr);
  auto r = RunOn(io, pool.Run(
                         [] {
                           std::this_thread::sleep_for(60ms);
                           return 7;
                         },
                         Deadline::After(5s), {.max_queue_wait = 10ms}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
}

TEST(BlockingPool, QueueWaitLimitThenDeadlineWhileRunning) {
  boost::asio::io_context io;
  BlockingPool pool({.name = "t", .threads = 1, .queue_capacity = 4}, nullptr);
  // Started within the queue-wait limit, then still running at the deadline: kDeadlineExceeded.
  auto r = RunOn(io, pool.Run(
                         [] {
                           std::this_thread::sleep_for(150ms);
                           return 7;
                         },
                         Deadline::After(60ms), {.max_queue_wait = 10ms}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace keel
