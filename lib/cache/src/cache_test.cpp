#include "keel/cache/cache.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

#include "cache_test_support.hpp"

namespace keel::cache {
namespace {

using namespace std::chrono_literals;
using testing::Await;
using testing::RunUntil;
using testing::Spawn;
using Ints = Cache<int, std::string>;
namespace asio = boost::asio;

CacheSettings Settings() {
  return {.name = "t",
          .max_weight = 1000,
          .shards = 1,
          .ttl = 10s,
          .negative_ttl = 2s,
          .xfetch_beta = 0};
}

// A loader that counts its runs and finishes when released (or at once when `gate` is null).
struct Source {
  int runs = 0;
  std::string value = "v";
  std::optional<Error> error;
  std::shared_ptr<asio::steady_timer> gate;  // cancel() releases the running loads

  auto Loader() {
    return [this](Deadline) -> asio::awaitable<Result<std::string>> {
      ++runs;
      // What the source holds when the load starts (a read that then takes a while).
      std::string v = value;
      std::optional<Error> e = error;
      if (auto g = gate) {
        co_await g->async_wait(asio::as_tuple(asio::use_awaitable));
      }
      if (e) {
        co_return *e;
      }
      co_return v;
    };
  }
};

TEST(Cache, MissLoadsThenHits) {
  asio::io_context io;
  ManualClock clock;
  Ints cache(Settings(), clock, nullptr);
  Source src;
  StageAccount stages;
  CacheStatus status = CacheStatus::kNone;
  auto r = Await(io, cache.Get(1, src.Loader(), {.stages = &stages, .status = &status}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "v");
  EXPECT_EQ(status, CacheStatus::kMiss);
  r = Await(io, cache.Get(1, src.Loader(), {.stages = &stages, .status = &status}));
  EXPECT_EQ(status, CacheStatus::kHit);
  EXPECT_EQ(src.runs, 1);
  EXPECT_EQ(stages.Count(Stage::kCache), 2u);  // one per lookup
  EXPECT_EQ(cache.metrics().loads->Value(), 1u);
  EXPECT_EQ(cache.metrics().hits->Value(), 1u);
}

TEST(Cache, ConcurrentMissesRunOneLoad) {
  asio::io_context io;
  ManualClock clock;
  Ints cache(Settings(), clock, nullptr);
  Source src;
  src.gate = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
  std::vector<std::shared_ptr<std::optional<Result<std::string>>>> waiters;
  for (int i = 0; i < 10; ++i) {
    waiters.push_back(Spawn(io, cache.Get(7, src.Loader())));
  }
  RunUntil(
      io, [] { return false; }, 20ms);
  EXPECT_EQ(src.runs, 1);
  EXPECT_EQ(cache.loads_in_flight(), 1u);
  src.gate->cancel();
  ASSERT_TRUE(RunUntil(io, [&] {
    return std::all_of(waiters.begin(), waiters.end(), [](auto& w) { return w->has_value(); });
  }));
  for (auto& w : waiters) {
    ASSERT_TRUE((*w)->ok());
    EXPECT_EQ(***w, "v");
  }
  EXPECT_EQ(src.runs, 1);
  EXPECT_EQ(cache.metrics().coalesced->Value(), 9u);
}

TEST(Cache, AnErrorReachesEveryWaiterAndIsNotCached) {
  asio::io_context io;
  ManualClock clock;
  Ints cache(Settings(), clock, nullptr);
  Source src;
  src.error = Error(ErrorCode::kUnavailable, "db down");
  src.gate = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
  auto a = Spawn(io, cache.Get(1, src.Loader()));
  auto b = Spawn(io, cache.Get(1, src.Loader()));
  RunUntil(
      io, [] { return false; }, 10ms);
  src.gate->cancel();
  ASSERT_TRUE(RunUntil(io, [&] { return a->has_value() && b->has_value(); }));
  EXPECT_EQ((*a)->error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ((*b)->error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(src.runs, 1);
  src.gate.reset();
  src.error.reset();
  EXPECT_TRUE(Await(io, cache.Get(1, src.Loader())).ok());  // loads again
  EXPECT_EQ(src.runs, 2);
  EXPECT_EQ(cache.metrics().load_errors->Value(), 1u);
}

TEST(Cache, NotFoundIsCachedForTheNegativeTtl) {
  asio::io_context io;
  ManualClock clock;
  Ints cache(Settings(), clock, nullptr);
  Source src;
  src.error = Error(ErrorCode::kNotFound, "no product 9");
  CacheStatus status = CacheStatus::kNone;
  EXPECT_EQ(Await(io, cache.Get(9, src.Loader())).error().code(), ErrorCode::kNotFound);
  auto again = Await(io, cache.Get(9, src.Loader(), {.status = &status}));
  EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(again.error().message(), "no product 9");
  EXPECT_EQ(status, CacheStatus::kNegativeHit);
  EXPECT_EQ(src.runs, 1);
  clock.Advance(2s);
  (void)Await(io, cache.Get(9, src.Loader()));
  EXPECT_EQ(src.runs, 2);
}

TEST(Cache, AWaiterLeavesAtItsDeadlineAndTheLoadFillsTheCache) {
  asio::io_context io;
  ManualClock clock;
  Ints cache(Settings(), clock, nullptr);
  Source src;
  src.gate = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
  auto impatient = Spawn(io, cache.Get(3, src.Loader(), {.deadline = Deadline::After(20ms)}));
  auto patient = Spawn(io, cache.Get(3, src.Loader()));
  ASSERT_TRUE(RunUntil(io, [&] { return impatient->has_value(); }));
  EXPECT_EQ((*impatient)->error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_FALSE(patient->has_value());
  src.gate->cancel();
  ASSERT_TRUE(RunUntil(io, [&] { return patient->has_value(); }));
  EXPECT_EQ(***patient, "v");
  EXPECT_EQ(cache.GetIfPresent(3), "v");
  EXPECT_EQ(src.runs, 1);
}

TEST(Cache, WaitersOnOtherThreadsResumeOnTheirOwnExecutors) {
  ManualClock clock;
  Ints cache(Settings(), clock, nullptr);
  asio::io_context a;
  asio::io_context b;
  auto guard_a = asio::make_work_guard(a);
  auto guard_b = asio::make_work_guard(b);
  std::thread::id thread_a;
  std::thread::id thread_b;
  std::thread ta([&] {
    thread_a = std::this_thread::get_id();
    a.run();
  });
  std::thread tb([&] {
    thread_b = std::this_thread::get_id();
    b.run();
  });
  std::atomic<int> runs{0};
  auto loader = [&runs](Deadline) -> asio::awaitable<Result<std::string>> {
    ++runs;
    asio::steady_timer t(co_await asio::this_coro::executor, 30ms);
    co_await t.async_wait(asio::use_awaitable);
    co_return std::string("x");
  };
  std::atomic<int> done{0};
  std::thread::id resumed_a;
  std::thread::id resumed_b;
  auto waiter = [&](std::thread::id& resumed) -> asio::awaitable<void> {
    auto r = co_await cache.Get(5, loader);
    EXPECT_TRUE(r.ok());
    resumed = std::this_thread::get_id();
    ++done;
  };
  asio::co_spawn(a, waiter(resumed_a), asio::detached);
  asio::co_spawn(b, waiter(resumed_b), asio::detached);
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (done < 2 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(1ms);
  }
  guard_a.reset();
  guard_b.reset();
  ta.join();
  tb.join();
  EXPECT_EQ(done, 2);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(resumed_a, thread_a);
  EXPECT_EQ(resumed_b, thread_b);
}

TEST(XFetch, ProbabilityGrowsAsExpiryNears) {
  const TimePoint expiry = TimePoint{} + 100s;
  const Duration delta = 1s;
  // -ln(0.5) = 0.69 s of lead: refresh only inside the last 0.69 s.
  EXPECT_FALSE(XFetchShouldRefresh(expiry - 1s, expiry, delta, 1.0, 0.5));
  EXPECT_TRUE(XFetchShouldRefresh(expiry - 600ms, expiry, delta, 1.0, 0.5));
  // A rarer draw (small rand) gives a longer lead: -ln(0.01) = 4.6 s.
  EXPECT_TRUE(XFetchShouldRefresh(expiry - 4s, expiry, delta, 1.0, 0.01));
  // beta scales the lead; 0 disables; an expired value always refreshes.
  EXPECT_TRUE(XFetchShouldRefresh(expiry - 1s, expiry, delta, 2.0, 0.5));
  EXPECT_FALSE(XFetchShouldRefresh(expiry - 1ms, expiry, delta, 0.0, 0.01));
  EXPECT_TRUE(XFetchShouldRefresh(expiry, expiry, delta, 0.0, 0.9));
  // A free recompute (delta 0) is never refreshed early.
  EXPECT_FALSE(XFetchShouldRefresh(expiry - 1ms, expiry, Duration::zero(), 1.0, 0.01));
}

TEST(Cache, XFetchRefreshesAHotKeyEarlyInTheBackground) {
  asio::io_context io;
  ManualClock clock;
  testing::FixedRandom random(0.5);
  auto settings = Settings();
  settings.xfetch_beta = 1.0;
  Ints cache(settings, clock, nullptr, {}, &random);
  int runs = 0;
  auto loader = [&runs, &clock](Deadline) -> asio::awaitable<Result<std::string>> {
    ++runs;
    clock.Advance(1s);  // the recompute "takes" 1 s: delta = 1 s
    co_return "v" + std::to_string(runs);
  };
  EXPECT_EQ(*Await(io, cache.Get(1, loader)), "v1");  // fresh until t = 1 + 10 = 11 s
  clock.Advance(8s);                                  // t = 9: 2 s left > 0.69 s lead
  EXPECT_EQ(*Await(io, cache.Get(1, loader)), "v1");
  EXPECT_EQ(runs, 1);
  clock.Advance(1500ms);  // t = 10.5: 0.5 s left < 0.69 s lead -> one background refresh
  CacheStatus status = CacheStatus::kNone;
  EXPECT_EQ(*Await(io, cache.Get(1, loader, {.status = &status})), "v1");  // served at once
  EXPECT_EQ(status, CacheStatus::kHit);
  RunUntil(io, [&] { return cache.loads_in_flight() == 0; });
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(cache.GetIfPresent(1), "v2");
  random.set(0.999);  // a draw with almost no lead: no refresh
  clock.Advance(5s);
  (void)Await(io, cache.Get(1, loader));
  RunUntil(
      io, [] { return false; }, 5ms);
  EXPECT_EQ(runs, 2);
}

TEST(Cache, StaleWhileRevalidateServesStaleAndRefreshesOnce) {
  asio::io_context io;
  ManualClock clock;
  auto settings = Settings();
  settings.stale_while_revalidate = 5s;
  Ints cache(settings, clock, nullptr);
  Source src;
  (void)Await(io, cache.Get(1, src.Loader()));
  src.value = "new";
  src.gate = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
  clock.Advance(12s);  // stale, inside the 5 s window
  CacheStatus status = CacheStatus::kNone;
  EXPECT_EQ(*Await(io, cache.Get(1, src.Loader(), {.status = &status})), "v");
  EXPECT_EQ(status, CacheStatus::kStale);
  EXPECT_EQ(*Await(io, cache.Get(1, src.Loader())), "v");  // the refresh is already running
  EXPECT_EQ(src.runs, 2);
  src.gate->cancel();
  RunUntil(io, [&] { return cache.loads_in_flight() == 0; });
  EXPECT_EQ(*Await(io, cache.Get(1, src.Loader(), {.status = &status})), "new");
  EXPECT_EQ(status, CacheStatus::kHit);
  EXPECT_EQ(cache.metrics().stale_served->Value(), 2u);
  // Past the window: an ordinary miss.
  clock.Advance(16s);
  src.gate.reset();
  src.value = "newer";
  EXPECT_EQ(*Await(io, cache.Get(1, src.Loader(), {.status = &status})), "newer");
  EXPECT_EQ(status, CacheStatus::kMiss);
}

TEST(Cache, StaleIfErrorServesStaleInsideTheWindowOnly) {
  asio::io_context io;
  ManualClock clock;
  auto settings = Settings();
  settings.stale_if_error = 60s;
  Ints cache(settings, clock, nullptr);
  Source src;
  (void)Await(io, cache.Get(1, src.Loader()));
  src.error = Error(ErrorCode::kUnavailable, "db down");
  clock.Advance(30s);  // expired 20 s ago: inside stale-if-error
  CacheStatus status = CacheStatus::kNone;
  auto r = Await(io, cache.Get(1, src.Loader(), {.status = &status}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "v");
  EXPECT_EQ(status, CacheStatus::kStale);
  EXPECT_EQ(cache.metrics().stale_served->Value(), 1u);
  // A client error is not something stale data should hide.
  src.error = Error(ErrorCode::kNotFound, "deleted");
  EXPECT_EQ(Await(io, cache.Get(1, src.Loader())).error().code(), ErrorCode::kNotFound);
  // Outside the window the error goes through.
  Ints other(settings, clock, nullptr);
  src.error.reset();
  (void)Await(io, other.Get(1, src.Loader()));
  src.error = Error(ErrorCode::kUnavailable, "db down");
  clock.Advance(71s);
  EXPECT_EQ(Await(io, other.Get(1, src.Loader())).error().code(), ErrorCode::kUnavailable);
}

TEST(Cache, StaleIfErrorCoversAWaitThatTimesOut) {
  asio::io_context io;
  ManualClock clock;
  auto settings = Settings();
  settings.stale_if_error = 60s;
  Ints cache(settings, clock, nullptr);
  Source src;
  (void)Await(io, cache.Get(1, src.Loader()));
  clock.Advance(11s);
  src.gate = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
  CacheStatus status = CacheStatus::kNone;
  auto r =
      Await(io, cache.Get(1, src.Loader(), {.deadline = Deadline::After(20ms), .status = &status}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(status, CacheStatus::kStale);
  src.gate->cancel();
  RunUntil(io, [&] { return cache.loads_in_flight() == 0; });
}

TEST(Cache, InvalidationDuringALoadKeepsItsValueOut) {
  asio::io_context io;
  ManualClock clock;
  Ints cache(Settings(), clock, nullptr);
  Source src;
  src.value = "before-write";
  src.gate = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
  auto reader = Spawn(io, cache.Get(1, src.Loader()));
  RunUntil(
      io, [] { return false; }, 5ms);
  cache.Invalidate(1);  // the write commits while the read is loading
  auto fresh_gate = src.gate;
  src.gate.reset();
  src.value = "after-write";
  // A caller after the write does not join the old load: it loads anew.
  EXPECT_EQ(*Await(io, cache.Get(1, src.Loader())), "after-write");
  fresh_gate->cancel();
  ASSERT_TRUE(RunUntil(io, [&] { return reader->has_value(); }));
  EXPECT_EQ(***reader, "before-write");             // the old caller gets what it asked for...
  EXPECT_EQ(cache.GetIfPresent(1), "after-write");  // ...but it is not what the cache keeps
}

TEST(Cache, LoadedTagsAndBusEvents) {
  asio::io_context io;
  ManualClock clock;
  LocalInvalidationBus bus;  // outlives the cache, which unsubscribes when destroyed
  Ints cache(Settings(), clock, nullptr);
  cache.Subscribe(bus);
  auto page = [](Deadline) -> asio::awaitable<Result<Loaded<std::string>>> {
    co_return Loaded<std::string>{"page", {.tags = {"product:42"}}};
  };
  EntryOptions ns{.ns = "lists"};
  (void)Await(io, cache.Get(1, page));
  (void)Await(io, cache.Get(2, page, {.entry = &ns}));
  Source src;
  (void)Await(io, cache.Get(3, src.Loader()));
  bus.Publish({.cache = "t", .kind = InvalidationKind::kTag, .target = "product:42"});
  EXPECT_FALSE(cache.GetIfPresent(1));
  EXPECT_FALSE(cache.GetIfPresent(2));
  bus.Publish({.cache = "other", .kind = InvalidationKind::kKey, .target = "3"});
  EXPECT_TRUE(cache.GetIfPresent(3));
  bus.Publish({.cache = "t", .kind = InvalidationKind::kKey, .target = "3"});
  EXPECT_FALSE(cache.GetIfPresent(3));
  (void)Await(io, cache.Get(2, page, {.entry = &ns}));
  bus.Publish({.cache = "", .kind = InvalidationKind::kNamespace, .target = "lists"});
  EXPECT_FALSE(cache.GetIfPresent(2));
}

TEST(Cache, ALoaderThatThrowsFailsItsWaiters) {
  asio::io_context io;
  ManualClock clock;
  Ints cache(Settings(), clock, nullptr);
  auto loader = []() -> asio::awaitable<Result<std::string>> {
    throw std::runtime_error("boom");
    co_return std::string();
  };
  auto r = Await(io, cache.Get(1, loader));
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace keel::cache
