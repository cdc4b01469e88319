#include "keel/cache/local_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace keel::cache {
namespace {

using namespace std::chrono_literals;
using Strings = LocalCache<std::string, std::string>;

CacheSettings Small(PolicyKind policy = PolicyKind::kTinyLfu) {
  return {.name = "t",
          .max_weight = 1000,
          .policy = policy,
          .shards = 1,
          .ttl = 10s,
          .negative_ttl = 2s};
}

TEST(LocalCache, EntriesExpireAfterTheirTtl) {
  ManualClock clock;
  Strings cache(Small(), clock, nullptr);
  cache.Put("a", "1");
  cache.Put("b", "2", {.ttl = 30s});
  EXPECT_EQ(cache.GetIfPresent("a"), "1");
  clock.Advance(10s);
  EXPECT_FALSE(cache.GetIfPresent("a"));
  EXPECT_EQ(cache.GetIfPresent("b"), "2");
  EXPECT_EQ(cache.size(), 1u);  // the expired entry was removed when found
  EXPECT_EQ(cache.metrics().hits->Value(), 2u);
  EXPECT_EQ(cache.metrics().misses->Value(), 1u);
}

TEST(LocalCache, NegativeEntriesUseTheNegativeTtl) {
  ManualClock clock;
  Strings cache(Small(), clock, nullptr);
  cache.PutNegative("gone", Error(ErrorCode::kNotFound, "no gone"));
  auto found = cache.Lookup("gone");
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->negative());
  EXPECT_EQ(found->error.code(), ErrorCode::kNotFound);
  EXPECT_FALSE(cache.GetIfPresent("gone"));  // a negative entry is not a value
  clock.Advance(2s);
  EXPECT_FALSE(cache.Lookup("gone"));
}

TEST(LocalCache, ExpiredEntriesAreSweptWithoutBeingRead) {
  ManualClock clock;
  Strings cache(Small(), clock, nullptr);
  for (int i = 0; i < 50; ++i) {
    cache.Put("k" + std::to_string(i), "v", {.ttl = 1s});
  }
  clock.Advance(2s);
  // Writes sweep a little as they go (amortised)...
  for (int i = 0; i < 10; ++i) {
    cache.Put("n" + std::to_string(i), "v");
  }
  EXPECT_LT(cache.size(), 60u);
  // ...and Sweep() takes the rest.
  cache.Sweep();
  EXPECT_EQ(cache.size(), 10u);
  EXPECT_GE(cache.metrics().expired->Value(), 50u);
}

TEST(LocalCache, StaleWindowsFollowTheSettings) {
  ManualClock clock;
  auto settings = Small();
  settings.stale_while_revalidate = 5s;
  settings.stale_if_error = 60s;
  Strings cache(settings, clock, nullptr);
  cache.Put("a", "1");
  EXPECT_EQ(cache.Lookup("a")->freshness, Freshness::kFresh);
  clock.Advance(12s);
  EXPECT_EQ(cache.Lookup("a")->freshness, Freshness::kStale);
  clock.Advance(10s);
  EXPECT_EQ(cache.Lookup("a")->freshness, Freshness::kErrorOnly);
  clock.Advance(60s);
  EXPECT_FALSE(cache.Lookup("a"));
}

TEST(LocalCache, WeightBoundsTheCacheNotTheCount) {
  ManualClock clock;
  auto settings = Small(PolicyKind::kLru);
  settings.max_weight = 100;
  Strings cache(settings, clock, nullptr, [](const std::string&, const std::string& v) {
    return static_cast<std::uint32_t>(v.size());
  });
  for (int i = 0; i < 10; ++i) {
    cache.Put("k" + std::to_string(i), std::string(30, 'x'));
  }
  EXPECT_LE(cache.weight(), 100u);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.metrics().evictions->Value(), 7u);
  EXPECT_FALSE(cache.Put("huge", std::string(101, 'x')));  // heavier than the cache
  EXPECT_EQ(cache.metrics().weight->Value(), static_cast<double>(cache.weight()));
}

TEST(LocalCache, ShardsSplitTheCapacity) {
  ManualClock clock;
  LocalCache<int, int> cache({.max_weight = 1 << 16}, clock, nullptr);
  EXPECT_GT(cache.shard_count(), 1u);
  for (int i = 0; i < 100000; ++i) {
    cache.Put(i, i);
  }
  EXPECT_LE(cache.size(), std::size_t{1} << 16);
  EXPECT_GT(cache.size(), (std::size_t{1} << 16) * 9 / 10);
}

TEST(LocalCache, InvalidateByTagDropsEveryTaggedEntry) {
  ManualClock clock;
  Strings cache(Small(), clock, nullptr);
  cache.Put("/products?page=1", "p1", {.tags = {"product:42", "product:7"}});
  cache.Put("/products?page=2", "p2", {.tags = {"product:7"}});
  cache.Put("/products/42", "42", {.tags = {"product:42"}});
  EXPECT_EQ(cache.InvalidateTag("product:42"), 2u);
  EXPECT_FALSE(cache.GetIfPresent("/products?page=1"));
  EXPECT_FALSE(cache.GetIfPresent("/products/42"));
  EXPECT_EQ(cache.GetIfPresent("/products?page=2"), "p2");
  EXPECT_EQ(cache.InvalidateTag("product:7"), 1u);  // the index forgot removed entries
  EXPECT_EQ(cache.size(), 0u);
}

TEST(LocalCache, InvalidateByKey) {
  ManualClock clock;
  Strings cache(Small(), clock, nullptr);
  cache.Put("a", "1");
  EXPECT_TRUE(cache.Invalidate("a"));
  EXPECT_FALSE(cache.Invalidate("a"));
  EXPECT_FALSE(cache.GetIfPresent("a"));
}

TEST(LocalCache, NamespaceBumpInvalidatesOlderEntries) {
  ManualClock clock;
  Strings cache(Small(), clock, nullptr);
  cache.Put("u:1", "alice", {.ns = "users"});
  cache.Put("p:1", "pen", {.ns = "products"});
  cache.BumpNamespace("users");
  EXPECT_FALSE(cache.GetIfPresent("u:1"));
  EXPECT_EQ(cache.GetIfPresent("p:1"), "pen");
  cache.Put("u:1", "alice2", {.ns = "users"});  // stored under the new version
  EXPECT_EQ(cache.GetIfPresent("u:1"), "alice2");
}

TEST(LocalCache, OlderKeyVersionNeverReplacesNewer) {
  ManualClock clock;
  Strings cache(Small(), clock, nullptr);
  EXPECT_TRUE(cache.Put("p:42", "v3", {.version = 3}));
  EXPECT_FALSE(cache.Put("p:42", "v2", {.version = 2}));  // a slow writer arriving late
  EXPECT_EQ(cache.GetIfPresent("p:42"), "v3");
  EXPECT_TRUE(cache.Put("p:42", "v4", {.version = 4}));
  EXPECT_EQ(cache.GetIfPresent("p:42"), "v4");
}

TEST(LocalCache, LoadThatRacedAnInvalidationDoesNotStore) {
  ManualClock clock;
  Strings cache(Small(), clock, nullptr);
  // Key invalidated while the load ran: the loaded value may predate the write.
  LoadStamp stamp = cache.BeginLoad();
  cache.Invalidate("p:42");
  EXPECT_FALSE(cache.PutLoaded("p:42", "old", Error(), {}, stamp));
  EXPECT_FALSE(cache.GetIfPresent("p:42"));
  // A tag of the loaded value invalidated while it loaded.
  stamp = cache.BeginLoad();
  cache.InvalidateTag("product:42");
  EXPECT_FALSE(cache.PutLoaded("/list", "old", Error(), {.tags = {"product:42"}}, stamp));
  // Unrelated invalidations do not matter.
  stamp = cache.BeginLoad();
  cache.InvalidateTag("product:7");
  cache.Invalidate("other");
  EXPECT_TRUE(cache.PutLoaded("/list", "new", Error(), {.tags = {"product:42"}}, stamp));
  // A namespace bumped while loading.
  stamp = cache.BeginLoad("users");
  cache.BumpNamespace("users");
  EXPECT_FALSE(cache.PutLoaded("u:1", "old", Error(), {.ns = "users"}, stamp));
}

TEST(LocalCache, ClearDropsEverything) {
  ManualClock clock;
  Strings cache(Small(), clock, nullptr);
  cache.Put("a", "1", {.tags = {"t"}});
  cache.Put("b", "2");
  LoadStamp stamp = cache.BeginLoad();
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.weight(), 0u);
  EXPECT_FALSE(cache.PutLoaded("c", "3", Error(), {}, stamp));
}

}  // namespace
}  // namespace keel::cache
