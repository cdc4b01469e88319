#include <gtest/gtest.h>

#include "cache_test_support.hpp"
#include "frequency_sketch.hpp"
#include "keel/cache/eviction_policy.hpp"
#include "keel/cache/local_cache.hpp"

namespace keel::cache {
namespace {

using Victims = std::vector<EntryId>;

std::unique_ptr<EvictionPolicy> Make(PolicyKind kind, std::uint64_t max) {
  return MakeEvictionPolicy({.kind = kind, .max_weight = max, .expected_entries = 256});
}

TEST(FrequencySketch, CountsSaturateAtFifteenAndAgeByHalving) {
  detail::FrequencySketch sketch;
  sketch.EnsureCapacity(64);
  for (int i = 0; i < 20; ++i) {
    sketch.Increment(42);
  }
  EXPECT_EQ(sketch.Frequency(42), 15);
  EXPECT_EQ(sketch.Frequency(43), 0);
  // 10 x 64 increments trigger aging: every counter is halved.
  for (std::uint64_t i = 0; i < 10000; ++i) {
    const std::uint64_t before = sketch.SizeForTest();
    sketch.Increment(1000 + i);
    if (sketch.SizeForTest() < before) {
      break;  // aged once
    }
  }
  EXPECT_LE(sketch.Frequency(42), 8);
  EXPECT_GE(sketch.Frequency(42), 7);
}

TEST(LruPolicy, EvictsLeastRecentlyUsed) {
  auto lru = Make(PolicyKind::kLru, 3);
  for (EntryId id = 0; id < 3; ++id) {
    lru->OnInsert(id, id, 1);
  }
  lru->OnHit(0);
  lru->OnInsert(3, 3, 1);
  Victims victims;
  lru->Evict(victims);
  EXPECT_EQ(victims, Victims{1});
}

TEST(LruPolicy, EvictsByWeight) {
  auto lru = Make(PolicyKind::kLru, 10);
  lru->OnInsert(0, 0, 4);
  lru->OnInsert(1, 1, 4);
  lru->OnInsert(2, 2, 6);  // 14 > 10: the oldest goes
  Victims victims;
  lru->Evict(victims);
  EXPECT_EQ(victims, Victims{0});
  lru->OnInsert(3, 3, 9);  // 19 > 10: all but the newest go
  lru->Evict(victims);
  EXPECT_EQ(victims, (Victims{0, 1, 2}));
  EXPECT_EQ(lru->weight(), 9u);
}

TEST(S3FifoPolicy, OneHitWondersLeaveFromTheSmallQueueAndGhostsReturnToMain) {
  auto s3 = Make(PolicyKind::kS3Fifo, 10);  // small = 1
  for (EntryId id = 0; id < 10; ++id) {
    s3->OnInsert(id, 100 + id, 1);
    s3->OnHit(id);  // all used once: they move to main when leaving small
  }
  s3->OnInsert(10, 110, 1);  // never hit
  Victims victims;
  s3->Evict(victims);
  EXPECT_EQ(victims.size(), 1u);
  // The unused newcomer is not the victim while main's entries still have credit...
  // ...but a newcomer that leaves small unused is evicted and remembered in the ghost queue.
  s3->OnInsert(11, 111, 1);
  victims.clear();
  s3->Evict(victims);
  ASSERT_EQ(victims.size(), 1u);
  const EntryId gone = victims[0];
  // Re-inserting a ghost goes straight to main: it survives a burst of new small entries.
  s3->OnInsert(gone, gone == 10 ? 110 : 111, 1);
  for (EntryId id = 20; id < 25; ++id) {
    s3->OnInsert(id, 200 + id, 1);
    victims.clear();
    s3->Evict(victims);
    EXPECT_TRUE(std::find(victims.begin(), victims.end(), gone) == victims.end());
  }
}

TEST(TinyLfuPolicy, ColdCandidateIsRefusedAdmission) {
  auto tiny = Make(PolicyKind::kTinyLfu, 100);  // window 1, main 99
  Victims victims;
  for (EntryId id = 0; id < 100; ++id) {
    tiny->OnInsert(id, 1000 + id, 1);
    tiny->OnHit(id);
    tiny->OnHit(id);
    tiny->Evict(victims);
  }
  ASSERT_TRUE(victims.empty());
  tiny->OnInsert(100, 5000, 1);  // seen once
  tiny->Evict(victims);
  tiny->OnInsert(101, 5001, 1);  // pushes 100 out of the window: candidate with freq 1
  tiny->Evict(victims);
  // The newcomer loses to main's frequently used victim; no resident of main was displaced.
  EXPECT_NE(std::find(victims.begin(), victims.end(), 100u), victims.end());
  for (const EntryId id : victims) {
    EXPECT_GE(id, 99u);
  }
}

// A working set of 50 hot keys used repeatedly, then a scan of 10,000 one-time keys interleaved
// with the hot keys: the scan-resistant policies keep the hot set, LRU does not.
double HotHitRateAfterScan(PolicyKind kind) {
  ManualClock clock;
  LocalCache<std::uint64_t, int> cache(
      {.max_weight = 100, .policy = kind, .shards = 1, .ttl = std::chrono::hours(1)}, clock,
      nullptr);
  auto access = [&](std::uint64_t key) {
    if (cache.GetIfPresent(key)) {
      return true;
    }
    cache.Put(key, 1);
    return false;
  };
  for (int round = 0; round < 20; ++round) {
    for (std::uint64_t k = 0; k < 50; ++k) {
      access(k);
    }
  }
  int hot_hits = 0;
  int hot_accesses = 0;
  for (std::uint64_t i = 0; i < 10000; ++i) {
    access(1'000'000 + i);  // scan
    if (i % 4 == 0) {
      hot_hits += access(i % 50) ? 1 : 0;
      ++hot_accesses;
    }
  }
  return static_cast<double>(hot_hits) / hot_accesses;
}

TEST(Policies, ScanResistance) {
  const double tinylfu = HotHitRateAfterScan(PolicyKind::kTinyLfu);
  const double s3fifo = HotHitRateAfterScan(PolicyKind::kS3Fifo);
  const double lru = HotHitRateAfterScan(PolicyKind::kLru);
  EXPECT_GT(tinylfu, 0.95);
  EXPECT_GT(s3fifo, 0.95);
  EXPECT_LT(lru, 0.5);
}

double ZipfHitRate(PolicyKind kind, const std::vector<std::uint64_t>& trace, std::size_t cap) {
  ManualClock clock;
  LocalCache<std::uint64_t, int> cache(
      {.max_weight = cap, .policy = kind, .shards = 1, .ttl = std::chrono::hours(1)}, clock,
      nullptr);
  std::size_t hits = 0;
  for (const auto key : trace) {
    if (cache.GetIfPresent(key)) {
      ++hits;
    } else {
      cache.Put(key, 1);
    }
  }
  return static_cast<double>(hits) / static_cast<double>(trace.size());
}

// Hit-rate ratios, not timing: both admission policies beat LRU on Zipf(0.99) at 1 % and 10 %.
TEST(Policies, BeatLruOnZipf) {
  const auto trace = testing::ZipfKeys(20'000, 0.99, 300'000, 7);
  for (const std::size_t cap : {200u, 2000u}) {
    const double lru = ZipfHitRate(PolicyKind::kLru, trace, cap);
    EXPECT_GT(ZipfHitRate(PolicyKind::kTinyLfu, trace, cap), lru + 0.02) << cap;
    EXPECT_GT(ZipfHitRate(PolicyKind::kS3Fifo, trace, cap), lru + 0.02) << cap;
  }
}

}  // namespace
}  // namespace keel::cache
