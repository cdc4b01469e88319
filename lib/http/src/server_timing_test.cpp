#include "keel/http/server_timing.hpp"

#include <gtest/gtest.h>

namespace keel::http {
namespace {

using std::chrono::microseconds;
using std::chrono::nanoseconds;

TEST(ServerTimingTest, OnlyTotalWhenNoStageRan) {
  StageAccount stages;
  EXPECT_EQ(FormatServerTiming(stages, microseconds(200)), "total;dur=0.200");
}

TEST(ServerTimingTest, StagesInOrderWithOperationCounts) {
  StageAccount stages;
  stages.Add(Stage::kDb, microseconds(20));
  stages.Add(Stage::kRead, microseconds(12));
  stages.Add(Stage::kHandler, microseconds(120));
  stages.Add(Stage::kDb, microseconds(20));
  stages.Add(Stage::kDb, microseconds(10));
  EXPECT_EQ(FormatServerTiming(stages, microseconds(200)),
            "read;dur=0.012, app;dur=0.120, db;dur=0.050;desc=\"3 queries\", total;dur=0.200");
}

TEST(ServerTimingTest, SingularAndOtherWaitStages) {
  StageAccount stages;
  stages.Add(Stage::kQueue, nanoseconds(1'234'567));
  stages.Add(Stage::kWrite, nanoseconds(499));
  stages.Add(Stage::kDb, microseconds(1));
  stages.Add(Stage::kCache, microseconds(2));
  stages.Add(Stage::kUpstream, std::chrono::seconds(2));
  stages.Add(Stage::kUpstream, std::chrono::seconds(1));
  EXPECT_EQ(FormatServerTiming(stages, std::chrono::seconds(4)),
            "queue;dur=1.235, write;dur=0.000, db;dur=0.001;desc=\"1 query\", "
            "cache;dur=0.002;desc=\"1 lookup\", upstream;dur=3000.000;desc=\"2 calls\", "
            "total;dur=4000.000");
}

TEST(ServerTimingTest, StageNames) {
  EXPECT_EQ(StageName(Stage::kRead), "read");
  EXPECT_EQ(StageName(Stage::kQueue), "queue");
  EXPECT_EQ(StageName(Stage::kHandler), "app");
  EXPECT_EQ(StageName(Stage::kWrite), "write");
  EXPECT_EQ(StageName(Stage::kDb), "db");
  EXPECT_EQ(StageName(Stage::kCache), "cache");
  EXPECT_EQ(StageName(Stage::kUpstream), "upstream");
}

}  // namespace
}  // namespace keel::http
