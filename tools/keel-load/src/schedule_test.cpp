#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "keel/core/clock.hpp"
#include "pacer.hpp"
#include "profile.hpp"

namespace keel::load {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<Nanos> AllArrivals(const Profile& p, uint64_t offset = 0, uint64_t stride = 1) {
  ArrivalSchedule schedule(p, offset, stride);
  std::vector<Nanos> out;
  while (auto a = schedule.Peek()) {
    out.push_back(a->at);
    schedule.Pop();
  }
  return out;
}

// Arrivals whose scheduled time falls in [from, to).
std::size_t CountIn(const std::vector<Nanos>& at, Nanos from, Nanos to) {
  std::size_t n = 0;
  for (auto t : at) {
    n += (t >= from && t < to) ? 1 : 0;
  }
  return n;
}

TEST(ScheduleTest, ConstantRateIsEvenlySpaced) {
  ProfileSettings s;
  s.rate = 200;
  s.duration = seconds(5);
  const auto at = AllArrivals(BuildProfile(s));
  ASSERT_EQ(at.size(), 1000u);
  for (std::size_t i = 0; i < at.size(); ++i) {
    EXPECT_EQ(at[i], milliseconds(5) * static_cast<int64_t>(i));
  }
  EXPECT_EQ(BuildProfile(s).TotalArrivals(), 1000u);
}

TEST(ScheduleTest, FractionalRates) {
  ProfileSettings s;
  s.rate = 2.5;
  s.duration = seconds(2);
  const auto at = AllArrivals(BuildProfile(s));
  ASSERT_EQ(at.size(), 5u);
  EXPECT_EQ(at[1], milliseconds(400));
  EXPECT_EQ(at[4], milliseconds(1600));
}

TEST(ScheduleTest, ThreadsSplitTheTimelineByIndex) {
  ProfileSettings s;
  s.rate = 1000;
  s.duration = seconds(1);
  const Profile p = BuildProfile(s);
  const auto all = AllArrivals(p);
  std::vector<Nanos> merged;
  for (uint64_t t = 0; t < 3; ++t) {
    const auto mine = AllArrivals(p, t, 3);
    for (std::size_t k = 0; k < mine.size(); ++k) {
      EXPECT_EQ(mine[k], all[t + 3 * k]);
    }
    merged.insert(merged.end(), mine.begin(), mine.end());
  }
  EXPECT_EQ(merged.size(), all.size());
}

TEST(ScheduleTest, SpikeMultipliesTheRateForItsPeriod) {
  ProfileSettings s;
  s.kind = ProfileKind::kSpike;
  s.rate = 100;
  s.duration = seconds(6);
  s.spike_factor = 4;
  s.spike_start = seconds(2);
  s.spike_duration = seconds(1);
  const Profile p = BuildProfile(s);
  const auto at = AllArrivals(p);
  EXPECT_EQ(CountIn(at, seconds(0), seconds(2)), 200u);
  EXPECT_EQ(CountIn(at, seconds(2), seconds(3)), 400u);
  EXPECT_EQ(CountIn(at, seconds(3), seconds(6)), 300u);
  EXPECT_EQ(at.size(), 900u);
  EXPECT_EQ(at[200], seconds(2));                  // the spike starts on time
  EXPECT_EQ(at[201] - at[200], Nanos(2'500'000));  // at 400/s
  ASSERT_EQ(p.phases.size(), 3u);
  EXPECT_EQ(p.phases[1].label, "spike");
  EXPECT_EQ(p.PhaseOf(2), 1);
  EXPECT_EQ(p.PhaseOf(5), 2);
}

TEST(ScheduleTest, SpikeDefaultsToTheMiddleThird) {
  ProfileSettings s;
  s.kind = ProfileKind::kSpike;
  s.rate = 10;
  s.duration = seconds(9);
  const Profile p = BuildProfile(s);
  EXPECT_EQ(p.segments[1].start, seconds(3));
  EXPECT_EQ(p.segments[1].end, seconds(6));
}

TEST(ScheduleTest, RampStepsUpByThePercentage) {
  ProfileSettings s;
  s.kind = ProfileKind::kRamp;
  s.rate = 100;
  s.ramp_step_percent = 50;
  s.ramp_interval = seconds(2);
  s.duration = seconds(7);
  const Profile p = BuildProfile(s);
  ASSERT_EQ(p.segments.size(), 4u);
  EXPECT_DOUBLE_EQ(p.segments[3].rate, 337.5);
  EXPECT_EQ(p.segments[3].end, seconds(7));  // the last step is cut by the duration
  const auto at = AllArrivals(p);
  EXPECT_EQ(CountIn(at, seconds(0), seconds(2)), 200u);
  EXPECT_EQ(CountIn(at, seconds(2), seconds(4)), 300u);
  EXPECT_EQ(CountIn(at, seconds(4), seconds(6)), 450u);
  EXPECT_NEAR(static_cast<double>(CountIn(at, seconds(6), seconds(7))), 337.5, 1.0);
  ASSERT_EQ(p.phases.size(), 4u);
  EXPECT_EQ(p.phases[2].label, "step 3");
  EXPECT_DOUBLE_EQ(p.phases[2].rate, 225);
}

TEST(ScheduleTest, SoakWindows) {
  ProfileSettings s;
  s.kind = ProfileKind::kSoak;
  s.rate = 1;
  s.duration = seconds(150);
  s.soak_window = seconds(60);
  const Profile p = BuildProfile(s);
  ASSERT_EQ(p.phases.size(), 3u);
  EXPECT_EQ(p.phases[2].first_second, 120);
  EXPECT_EQ(p.phases[2].end_second, 150);
}

TEST(PacerTest, ReleasesArrivalsAsTheFakeClockReachesThem) {
  ProfileSettings s;
  s.rate = 100;  // every 10 ms
  s.duration = seconds(1);
  const Profile p = BuildProfile(s);
  ManualClock clock(TimePoint(seconds(1000)));
  Pacer pacer(ArrivalSchedule(p, 0, 1), clock.Now());
  std::vector<Arrival> got;
  auto take = [&](std::size_t limit = 1000) {
    return pacer.TakeDue(clock.Now(), limit, [&](const Arrival& a) { got.push_back(a); });
  };
  EXPECT_EQ(take(), 1u);  // arrival 0 is due at the start
  EXPECT_EQ(*pacer.NextAt(), clock.Now() + milliseconds(10));
  clock.Advance(milliseconds(9));
  EXPECT_EQ(take(), 0u);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(take(), 1u);
  // A stalled thread catches up: everything due is released, in order, keeping its schedule.
  clock.Advance(milliseconds(95));
  EXPECT_EQ(take(3), 3u);  // a batch limit
  EXPECT_EQ(take(), 6u);
  ASSERT_EQ(got.size(), 11u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].index, i);
    EXPECT_EQ(got[i].at, milliseconds(10) * static_cast<int64_t>(i));
  }
  clock.Advance(seconds(5));
  EXPECT_EQ(take(), 89u);
  EXPECT_TRUE(pacer.done());
}

TEST(PacerTest, StopEndsTheTimeline) {
  ProfileSettings s;
  s.rate = 100;
  const Profile p = BuildProfile(s);
  ManualClock clock;
  Pacer pacer(ArrivalSchedule(p, 0, 1), clock.Now());
  pacer.Stop();
  clock.Advance(seconds(1));
  EXPECT_EQ(pacer.TakeDue(clock.Now(), 100, [](const Arrival&) {}), 0u);
  EXPECT_FALSE(pacer.NextAt().has_value());
}

}  // namespace
}  // namespace keel::load
