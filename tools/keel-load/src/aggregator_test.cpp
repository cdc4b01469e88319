#include "aggregator.hpp"

#include <gtest/gtest.h>

#include "analysis.hpp"
#include "recorder.hpp"

namespace keel::load {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Profile ConstantProfile(int secs) {
  ProfileSettings s;
  s.rate = 10;
  s.duration = seconds(secs);
  return BuildProfile(s);
}

TEST(AggregatorTest, ASecondIsFinalOnlyWhenAllItsRequestsHaveAnOutcome) {
  const Profile p = ConstantProfile(3);
  Aggregator agg(p, 1, std::nullopt);
  Recorder rec(1);
  rec.OnScheduled(0, milliseconds(100), false);
  rec.OnSent(0, milliseconds(101), milliseconds(100));
  rec.OnScheduled(0, milliseconds(900), true);
  rec.Flush(agg, 0, milliseconds(1500));
  EXPECT_EQ(agg.Snapshot().finalized_seconds, 0);  // two requests of second 0 in flight
  rec.OnResponse(0, milliseconds(100), milliseconds(120), 200);
  rec.OnError(0, milliseconds(900), milliseconds(1400), ErrorKind::kTimeout);
  rec.Flush(agg, 0, milliseconds(1500));
  EXPECT_EQ(agg.Snapshot().finalized_seconds, 1);
  agg.Finish(false);
  ASSERT_EQ(agg.seconds().size(), 2u);
  const auto& s0 = agg.seconds()[0];
  EXPECT_EQ(s0.counters.scheduled, 2u);
  EXPECT_EQ(s0.counters.late, 1u);
  EXPECT_EQ(s0.resolved, 2u);
  EXPECT_EQ(s0.failed, 1u);
  EXPECT_EQ(s0.samples, 1u);
  EXPECT_NEAR(static_cast<double>(s0.p99), 20e6, 20e6 * 0.001);
  EXPECT_EQ(s0.in_flight, 1);  // the one that timed out at 1.4 s
  EXPECT_EQ(agg.seconds()[1].in_flight, 0);
  EXPECT_EQ(agg.seconds()[1].counters.errors[static_cast<int>(ErrorKind::kTimeout)], 1u);
}

TEST(AggregatorTest, LatencyGoesToTheScheduledSecondCountsToTheEventSecond) {
  const Profile p = ConstantProfile(3);
  Aggregator agg(p, 2, std::nullopt);
  Recorder a(1);
  Recorder b(1);
  a.OnScheduled(0, milliseconds(500), false);
  a.OnResponse(0, milliseconds(500), milliseconds(2500), 503);  // a 2 s stall
  b.OnScheduled(0, milliseconds(600), false);
  b.Flush(agg, 1, milliseconds(3000));
  a.Flush(agg, 0, milliseconds(3000));
  EXPECT_EQ(agg.Snapshot().finalized_seconds, 0);  // thread 1 still owes an outcome
  b.OnResponse(0, milliseconds(600), milliseconds(700), 200);
  b.Flush(agg, 1, milliseconds(3000));
  agg.Finish(false);
  const auto& rows = agg.seconds();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].samples, 2u);
  EXPECT_NEAR(static_cast<double>(rows[0].max), 2e9, 2e9 * 0.001);
  EXPECT_EQ(rows[0].failed, 1u);  // the 503
  EXPECT_EQ(rows[0].counters.responses, 1u);
  EXPECT_EQ(rows[2].counters.responses, 1u);
  EXPECT_EQ(rows[2].counters.status.Count(503), 1u);
  EXPECT_EQ(rows[1].in_flight, 1);  // the stalled request, at the end of second 1
  EXPECT_EQ(rows[2].in_flight, 0);
}

TEST(AggregatorTest, RampStepFailingItsSloRaisesTheFlag) {
  ProfileSettings s;
  s.kind = ProfileKind::kRamp;
  s.rate = 10;
  s.ramp_interval = seconds(1);
  s.duration = seconds(3);
  const Profile p = BuildProfile(s);
  Aggregator agg(p, 1, Slo{milliseconds(50), 0.01});
  Recorder rec(1);
  rec.OnScheduled(0, milliseconds(10), false);
  rec.OnResponse(0, milliseconds(10), milliseconds(20), 200);
  rec.Flush(agg, 0, milliseconds(1100));
  EXPECT_FALSE(agg.slo_broken());
  rec.OnScheduled(0, milliseconds(1010), false);
  rec.OnResponse(0, milliseconds(1010), milliseconds(1200), 200);  // 190 ms > 50 ms
  rec.Flush(agg, 0, milliseconds(2100));
  EXPECT_TRUE(agg.slo_broken());
  agg.Finish(true);
  const auto verdict = AnalyzeRamp(agg.phases());
  ASSERT_TRUE(verdict.capacity_rps);
  EXPECT_DOUBLE_EQ(*verdict.capacity_rps, 10);
  EXPECT_EQ(verdict.broken_at, "step 2");
}

TEST(AggregatorTest, SuccessesAndRefusalsHaveLatenciesOfTheirOwn) {
  ProfileSettings s;
  s.kind = ProfileKind::kSpike;
  s.rate = 10;
  s.duration = seconds(3);
  s.spike_factor = 2;
  const Profile p = BuildProfile(s);  // before [0, 1), spike [1, 2), after [2, 3)
  Aggregator agg(p, 1, std::nullopt);
  Recorder rec(1);
  const auto respond = [&rec](milliseconds at, milliseconds took, int status) {
    rec.OnScheduled(0, at, false);
    rec.OnResponse(0, at, at + took, status);
  };
  respond(milliseconds(1100), milliseconds(200), 200);  // a slow success
  respond(milliseconds(1200), milliseconds(300), 304);  // a success too
  respond(milliseconds(1300), milliseconds(1), 503);    // fast refusals
  respond(milliseconds(1400), milliseconds(2), 429);
  respond(milliseconds(1500), milliseconds(50), 404);  // neither
  rec.Flush(agg, 0, milliseconds(3000));
  agg.Finish(false);
  const PhaseStats* spike = nullptr;
  for (const auto& ps : agg.phases()) {
    spike = ps.phase.label == "spike" ? &ps : spike;
  }
  ASSERT_NE(spike, nullptr);
  EXPECT_EQ(spike->latency.count, 5u);
  EXPECT_EQ(spike->latency_ok.count, 2u);
  EXPECT_NEAR(static_cast<double>(spike->latency_ok.min), 200e6, 200e6 * 0.001);
  EXPECT_EQ(spike->latency_refused.count, 2u);
  EXPECT_NEAR(static_cast<double>(spike->latency_refused.max), 2e6, 2e6 * 0.001);
  const TypeStats& totals = rec.types()[0];
  EXPECT_EQ(totals.ok_latency.count(), 2u);
  EXPECT_EQ(totals.refused_latency.count(), 2u);
}

SecondStats Row(int64_t second, int64_t p99_ms) {
  SecondStats s;
  s.second = second;
  s.samples = 100;
  s.p99 = p99_ms * 1'000'000;
  return s;
}

PhaseStats PhaseRow(const char* label, int64_t first, int64_t end, int64_t p99_ms) {
  PhaseStats ps;
  ps.phase = Phase{label, first, end, 1};
  ps.latency.p99 = p99_ms * 1'000'000;
  ps.latency.count = 1;
  return ps;
}

TEST(AnalysisTest, SpikeRecoveryIsTheFirstSecondThatStaysBelowThePreSpikeP99) {
  const std::vector<PhaseStats> phases = {
      PhaseRow("before", 0, 3, 10), PhaseRow("spike", 3, 5, 400), PhaseRow("after", 5, 12, 50)};
  // After the spike (second 5 on): 300, 200, 10 (a dip), 90, 10, 10, 10.
  std::vector<SecondStats> rows = {Row(0, 10),  Row(1, 10),  Row(2, 10),  Row(3, 300),
                                   Row(4, 400), Row(5, 300), Row(6, 200), Row(7, 10),
                                   Row(8, 90),  Row(9, 10),  Row(10, 10), Row(11, 10)};
  const auto v = AnalyzeSpike(phases, rows);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->threshold, 11'000'000);
  ASSERT_TRUE(v->recovery_s);
  EXPECT_EQ(*v->recovery_s, 4);  // second 9: the dip at 7 did not last
  rows[11].p99 = 900'000'000;
  EXPECT_FALSE(AnalyzeSpike(phases, rows)->recovery_s);
}

TEST(AnalysisTest, SoakRssSlope) {
  std::vector<RssSample> rss;
  for (int i = 0; i <= 60; ++i) {
    rss.push_back({static_cast<double>(i), 100'000'000 + i * 1000});  // +1000 B/s
  }
  const auto v = AnalyzeSoak({}, rss);
  ASSERT_TRUE(v.rss_slope_per_hour);
  EXPECT_NEAR(*v.rss_slope_per_hour, 3.6e6, 1.0);
  EXPECT_EQ(*v.rss_first, 100'000'000);
  EXPECT_EQ(*v.rss_max, 100'060'000);
}

}  // namespace
}  // namespace keel::load
