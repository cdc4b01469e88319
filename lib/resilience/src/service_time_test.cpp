#include "keel/resilience/service_time.hpp"

#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <vector>

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

// More keys than the lock-free slots hold, resolved from several threads at once: one entry per
// key whoever adds it, and the spill map takes the overflow.
TEST(ServiceTimeTable, ConcurrentResolveGivesOneEntryPerKey) {
  ServiceTimeTable t({.alpha = 0.5, .min_samples = 1});
  constexpr std::size_t kKeys = ServiceTimeTable::kSlots + 64;
  static std::array<int, kKeys> keys{};
  constexpr int kThreads = 4;
  std::array<std::array<ServiceTimeTable::Entry*, kKeys>, kThreads> seen{};
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (std::size_t k = 0; k < kKeys; ++k) {
        // Half the threads walk the keys backwards, so they race on different slots.
        const std::size_t i = th % 2 == 0 ? k : kKeys - 1 - k;
        seen[th][i] = &t.Resolve(&keys[i]);
        t.Record(*seen[th][i], 10ms);
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  for (std::size_t k = 0; k < kKeys; ++k) {
    for (int th = 1; th < kThreads; ++th) {
      ASSERT_EQ(seen[th][k], seen[0][k]) << "key " << k;
    }
    EXPECT_EQ(seen[0][k]->count.load(), static_cast<std::uint32_t>(kThreads));
    EXPECT_EQ(*t.Typical(&keys[k]), 10ms);
  }
}

}  // namespace
}  // namespace keel::resilience
