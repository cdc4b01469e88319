// Adaptive concurrency limits against a synthetic service: latency is the base RTT while the
// requests in flight fit the service's true capacity, and grows in proportion beyond it
// (queueing: Little's law at a fixed throughput).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "keel/resilience/aimd_limit.hpp"
#include "keel/resilience/gradient2_limit.hpp"
#include "keel/resilience/vegas_limit.hpp"
#include "keel/resilience/windowed_limit.hpp"

namespace keel::resilience {
namespace {

using namespace std::chrono_literals;

struct Service {
  int capacity = 50;
  Duration base = 10ms;
  [[nodiscard]] Duration Rtt(int in_flight) const {
    return in_flight <= capacity ? base : base * in_flight / capacity;
  }
};

// Offers more load than the limit allows for `steps` samples; returns the final limit.
int Drive(ConcurrencyLimit& limit, const Service& service, int steps, int offered = 10000) {
  TimePoint now{};
  for (int i = 0; i < steps; ++i) {
    const int in_flight = std::min(limit.limit(), offered);
    now += 10ms;
    limit.OnSample({.now = now, .rtt = service.Rtt(in_flight), .in_flight = in_flight});
  }
  return limit.limit();
}

TEST(Gradient2Limit, ConvergesNearCapacityWithinTolerance) {
  Gradient2Limit limit({.initial_limit = 20, .min_limit = 1, .max_limit = 1000});
  const Service service{.capacity = 50};
  Drive(limit, service, 50);
  // Latency may inflate by `tolerance` (1.5) over the long-term average before the limit
  // shrinks: the fixed point is about 1.5 x capacity.
  const int settled = Drive(limit, service, 100);
  EXPECT_GE(settled, 50);
  EXPECT_LE(settled, 90);
}

TEST(Gradient2Limit, ShrinksFromFarAboveCapacity) {
  Gradient2Limit high({.initial_limit = 400, .min_limit = 1, .max_limit = 1000});
  Drive(high, Service{.capacity = 1000}, 20, 400);  // learn the 10 ms baseline
  const int before = high.limit();
  const int after = Drive(high, Service{.capacity = 20}, 60);
  EXPECT_LT(after, before / 4);
  EXPECT_LE(after, 50);  // ~1.5 x capacity, plus the long average drifting up meanwhile
  EXPECT_GE(after, 20);
}

TEST(Gradient2Limit, GrowsWhenLatencyDrops) {
  Gradient2Limit limit({.initial_limit = 20, .min_limit = 1, .max_limit = 1000});
  const int congested = Drive(limit, Service{.capacity = 20}, 200);
  // Capacity grows (a dependency recovered): latency drops at the same concurrency.
  const int recovered = Drive(limit, Service{.capacity = 200}, 200);
  EXPECT_GT(recovered, congested + 50);
}

TEST(Gradient2Limit, AppLimitedTrafficDoesNotMoveTheLimit) {
  Gradient2Limit limit({.initial_limit = 100, .min_limit = 1, .max_limit = 1000});
  Drive(limit, Service{.capacity = 1000}, 100, /*offered=*/10);  // 10 < 100 / 2
  EXPECT_EQ(limit.limit(), 100);
}

TEST(Gradient2Limit, StaysWithinBounds) {
  Gradient2Limit limit({.initial_limit = 20, .min_limit = 20, .max_limit = 40});
  EXPECT_GE(Drive(limit, Service{.capacity = 2}, 200), 20);
  EXPECT_LE(Drive(limit, Service{.capacity = 10000}, 500), 40);
}

TEST(Gradient2Limit, AnchorRuleGrowsUnderModestOverloadKeelRuleDoesNot) {
  // gradient ~0.8 forever: latency 1.9x the long average (tolerance 1.5 -> 1.5/1.9 = 0.79).
  auto run = [](bool fix) {
    Gradient2Limit limit({.initial_limit = 100,
                          .min_limit = 1,
                          .max_limit = 1000,
                          .long_window = 1000000,  // keep the long average at the base
                          .grow_only_without_queueing = fix});
    TimePoint now{};
    for (int i = 0; i < 10; ++i) {
      limit.OnSample({.now = now, .rtt = 10ms, .in_flight = limit.limit()});
    }
    for (int i = 0; i < 300; ++i) {
      limit.OnSample({.now = now, .rtt = 19ms, .in_flight = limit.limit()});
    }
    return limit.limit();
  };
  EXPECT_LE(run(true), 1);    // shrinks to the floor
  EXPECT_GE(run(false), 15);  // the anchor's +queue_size keeps it up: 0.79 L + 4 -> ~19
}

TEST(VegasLimit, ConvergesJustAboveCapacity) {
  VegasLimit limit({.initial_limit = 20, .max_limit = 1000, .probe_multiplier = 1000000});
  const int settled = Drive(limit, Service{.capacity = 50}, 400);
  // queue = L (1 - C/L) = L - C is held between alpha (3) and beta (6) once log10(L) = 1.
  EXPECT_GE(settled, 50);
  EXPECT_LE(settled, 62);
}

TEST(VegasLimit, GrowsFastWithoutQueueing) {
  VegasLimit limit({.initial_limit = 20, .max_limit = 1000, .probe_multiplier = 1000000});
  // 20 -> +beta (6 log10 L) per sample while there is no queue.
  const int grown = Drive(limit, Service{.capacity = 10000}, 20);
  EXPECT_GT(grown, 100);
}

TEST(VegasLimit, DropDecreasesByLog10) {
  VegasLimit limit({.initial_limit = 200, .max_limit = 1000, .probe_multiplier = 1000000});
  limit.OnSample({.rtt = 10ms, .in_flight = 200});  // sets rtt_noload
  limit.OnSample({.rtt = 12ms, .in_flight = 200, .dropped = true});
  EXPECT_EQ(limit.limit(), 198);  // 200 - floor(log10 200)
}

TEST(VegasLimit, ProbeResetsNoLoadRtt) {
  VegasLimit limit({.initial_limit = 10, .max_limit = 10, .probe_multiplier = 1, .seed = 7});
  limit.OnSample({.rtt = 5ms, .in_flight = 10});
  for (int i = 0; i < 20; ++i) {
    limit.OnSample({.rtt = 20ms, .in_flight = 10});
  }
  // Within ~probe_multiplier x limit samples the no-load RTT is re-measured at the new latency.
  EXPECT_EQ(limit.rtt_noload_nanos(), 20e6);
}

TEST(AimdLimit, DropIsMultiplicativeDecrease) {
  AimdLimit limit({.initial_limit = 100, .min_limit = 1, .max_limit = 200, .backoff_ratio = 0.9});
  limit.OnSample({.rtt = 10ms, .in_flight = 100, .dropped = true});
  EXPECT_EQ(limit.limit(), 90);
  limit.OnSample({.rtt = 10ms, .in_flight = 90, .dropped = true});
  EXPECT_EQ(limit.limit(), 81);
}

TEST(AimdLimit, TimeoutCountsAsDrop) {
  AimdLimit limit({.initial_limit = 100, .min_limit = 1, .timeout = 1s});
  limit.OnSample({.rtt = 2s, .in_flight = 100});
  EXPECT_EQ(limit.limit(), 90);
}

TEST(AimdLimit, AdditiveIncreaseOnlyWhenHalfUsed) {
  AimdLimit limit({.initial_limit = 20, .min_limit = 1, .max_limit = 200});
  limit.OnSample({.rtt = 10ms, .in_flight = 10});
  EXPECT_EQ(limit.limit(), 21);
  limit.OnSample({.rtt = 10ms, .in_flight = 5});  // 5 * 2 < 21: app-limited
  EXPECT_EQ(limit.limit(), 21);
}

TEST(AimdLimit, ClampsToMinAndMax) {
  AimdLimit limit({.initial_limit = 20, .min_limit = 20, .max_limit = 21});
  limit.OnSample({.rtt = 1ms, .in_flight = 20, .dropped = true});
  EXPECT_EQ(limit.limit(), 20);
  limit.OnSample({.rtt = 1ms, .in_flight = 20});
  limit.OnSample({.rtt = 1ms, .in_flight = 21});
  EXPECT_EQ(limit.limit(), 21);
}

// Records what the windowed wrapper passes on.
class Recorder final : public ConcurrencyLimit {
 public:
  [[nodiscard]] int limit() const noexcept override { return 10; }
  void OnSample(const LimitSample& s) noexcept override { samples.push_back(s); }
  std::vector<LimitSample> samples;
};

TEST(WindowedLimit, PassesOneAggregatedSamplePerWindow) {
  auto recorder = std::make_unique<Recorder>();
  Recorder* r = recorder.get();
  WindowedLimit limit(std::move(recorder), {.min_window = 1s, .max_window = 1s, .min_samples = 3});
  TimePoint now{};
  limit.OnSample({.now = now + 1ms, .rtt = 1ms, .in_flight = 1});  // closes the empty window
  ASSERT_TRUE(r->samples.empty());
  limit.OnSample({.now = now + 100ms, .rtt = 10ms, .in_flight = 4});
  limit.OnSample({.now = now + 200ms, .rtt = 20ms, .in_flight = 7, .dropped = true});
  limit.OnSample({.now = now + 300ms, .rtt = 30ms, .in_flight = 2});
  EXPECT_TRUE(r->samples.empty());
  limit.OnSample({.now = now + 1100ms, .rtt = 40ms, .in_flight = 3});  // window ends
  ASSERT_EQ(r->samples.size(), 1u);
  EXPECT_EQ(r->samples[0].rtt, 25ms);  // mean of 10, 20, 30, 40
  EXPECT_EQ(r->samples[0].in_flight, 7);
  EXPECT_TRUE(r->samples[0].dropped);
}

TEST(WindowedLimit, DiscardsSmallWindowsAndFastSamples) {
  auto recorder = std::make_unique<Recorder>();
  Recorder* r = recorder.get();
  WindowedLimit limit(std::move(recorder),
                      {.min_window = 1s, .max_window = 1s, .min_samples = 10, .min_rtt = 100us});
  TimePoint now{};
  for (int i = 1; i <= 30; ++i) {
    limit.OnSample({.now = now + i * 100ms, .rtt = 50us, .in_flight = 5});  // all too fast
  }
  for (int i = 31; i <= 35; ++i) {
    limit.OnSample({.now = now + i * 100ms, .rtt = 5ms, .in_flight = 5});  // too few per window
  }
  EXPECT_TRUE(r->samples.empty());
}

// Wants lets the admission controller skip its lock for samples a limit would ignore: only ones
// that really change nothing.
TEST(WindowedLimit, WantsExactlyTheSamplesItUses) {
  WindowedLimit limit(std::make_unique<Recorder>(), {.min_rtt = 100us});
  EXPECT_FALSE(limit.Wants({.rtt = 99us}));
  EXPECT_FALSE(limit.Wants({.rtt = 50us, .dropped = true}));  // ignored even when dropped
  EXPECT_TRUE(limit.Wants({.rtt = 100us}));
  EXPECT_FALSE(FixedLimit(5).Wants({.rtt = 1s, .dropped = true}));
  EXPECT_TRUE(Gradient2Limit({}).Wants({.rtt = 1us}));  // unwindowed: every sample
}

}  // namespace
}  // namespace keel::resilience
