#include "keel/resilience/fallback.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "dependency_test_support.hpp"
#include "keel/resilience/http/fallback_response.hpp"

namespace keel::resilience {
namespace {

using Recs = std::vector<int>;

TEST(Fallback, OrDefaultMarksTheFallbackWithTheCause) {
  auto fresh = OrDefault<Recs>(Recs{1, 2}, Recs{});
  EXPECT_FALSE(fresh.degraded());
  EXPECT_EQ(fresh.value, (Recs{1, 2}));
  auto fallback = OrDefault<Recs>(Error(ErrorCode::kDeadlineExceeded, "slow"), Recs{9});
  EXPECT_TRUE(fallback.degraded());
  EXPECT_EQ(fallback.reason, "timeout");
  EXPECT_EQ(fallback.value, Recs{9});
}

TEST(Fallback, OrStaleNeedsAStaleCopy) {
  auto stale = OrStale<int>(Error(ErrorCode::kUnavailable, "down"), 41);
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->value, 41);
  EXPECT_EQ(stale->reason, "stale_unavailable");
  auto none = OrStale<int>(Error(ErrorCode::kUnavailable, "down"), std::nullopt);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(), "down");
}

TEST(Fallback, OrElseBuildsAPartialAnswer) {
  auto partial = OrElse<Recs>(Error(ErrorCode::kOverloaded, "busy"),
                              [](const Error& e) { return Recs{static_cast<int>(e.code())}; });
  EXPECT_EQ(partial.reason, "overloaded");
  EXPECT_EQ(partial.value.size(), 1u);
}

TEST(Fallback, Reasons) {
  EXPECT_EQ(FallbackReason(Error(ErrorCode::kUnavailable, "")), "unavailable");
  EXPECT_EQ(FallbackReason(Error(ErrorCode::kCancelled, "")), "cancelled");
  EXPECT_EQ(FallbackReason(Error(ErrorCode::kInternal, "")), "error");
}

TEST(Fallback, MarkDegradedSetsTheHeaderAndCounts) {
  testing::RecordingSink sink;
  FallbackCounter counter("recs", sink);
  auto response = http::Response::Json(200, "[]");
  MarkDegraded(response, counter, Degraded<int>{1, ""});  // fresh: nothing
  EXPECT_EQ(response.FindHeader("X-Degraded"), nullptr);
  MarkDegraded(response, counter, "timeout");
  MarkDegraded(response, counter, Degraded<int>{1, "stale_unavailable"});
  ASSERT_NE(response.FindHeader("X-Degraded"), nullptr);
  EXPECT_EQ(*response.FindHeader("X-Degraded"), "timeout, stale_unavailable");
  EXPECT_EQ(sink.Count("keel_fallbacks_total", {{"dependency", "recs"}, {"reason", "timeout"}}),
            1u);
}

}  // namespace
}  // namespace keel::resilience
