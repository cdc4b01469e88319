// Several threads hammering one cache: run under TSan (cmake --preset tsan) to check the locking.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <thread>

#include "cache_test_support.hpp"
#include "keel/cache/cache.hpp"

namespace keel::cache {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST(Concurrency, GetPutInvalidateFromManyThreads) {
  ManualClock clock;
  LocalCache<std::uint64_t, std::string> cache(
      {.max_weight = 512, .shards = 4, .ttl = 1s, .stale_if_error = 1s}, clock, nullptr);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      SplitMixRandom random(static_cast<std::uint64_t>(t) + 1);
      for (int i = 0; i < 20000; ++i) {
        const auto key = static_cast<std::uint64_t>(random.NextUnit() * 2000);
        const int op = i % 16;
        if (op < 10) {
          (void)cache.GetIfPresent(key);
        } else if (op < 14) {
          cache.Put(key, "v" + std::to_string(key), {.tags = {"t" + std::to_string(key % 7)}});
        } else if (op == 14) {
          cache.Invalidate(key);
        } else {
          cache.InvalidateTag("t" + std::to_string(key % 7));
        }
      }
    });
  }
  threads.emplace_back([&] {
    while (!stop) {
      clock.Advance(10ms);
      cache.Sweep();
      std::this_thread::yield();
    }
  });
  for (int t = 0; t < 4; ++t) {
    threads[t].join();
  }
  stop = true;
  threads.back().join();
  EXPECT_LE(cache.weight(), 512u);
  EXPECT_EQ(cache.metrics().entries->Value(), static_cast<double>(cache.size()));
}

TEST(Concurrency, LoadsFromTwoIoThreads) {
  ManualClock clock;
  Cache<int, int> cache({.max_weight = 100, .shards = 2, .ttl = 1s}, clock, nullptr);
  asio::io_context a;
  asio::io_context b;
  auto guard_a = asio::make_work_guard(a);
  auto guard_b = asio::make_work_guard(b);
  std::thread ta([&] { a.run(); });
  std::thread tb([&] { b.run(); });
  std::atomic<int> done{0};
  std::atomic<int> loads{0};
  auto worker = [&](int seed) -> asio::awaitable<void> {
    for (int i = 0; i < 500; ++i) {
      const int key = (i * 7 + seed) % 150;
      auto loader = [&loads, key]() -> asio::awaitable<Result<int>> {
        ++loads;
        co_return key;
      };
      auto r = co_await cache.Get(key, loader, {.deadline = Deadline::After(1s)});
      EXPECT_TRUE(r.ok());
      if (i % 50 == 0) {
        cache.Invalidate(key);
        cache.InvalidateTag("x");
      }
    }
    ++done;
  };
  for (int s = 0; s < 3; ++s) {
    asio::co_spawn(a, worker(s), asio::detached);
    asio::co_spawn(b, worker(s + 10), asio::detached);
  }
  const auto end = std::chrono::steady_clock::now() + 20s;
  while (done < 6 && std::chrono::steady_clock::now() < end) {
    clock.Advance(1ms);
    std::this_thread::sleep_for(1ms);
  }
  guard_a.reset();
  guard_b.reset();
  ta.join();
  tb.join();
  EXPECT_EQ(done, 6);
  EXPECT_GT(loads, 0);
}

}  // namespace
}  // namespace keel::cache
