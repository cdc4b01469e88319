#include "src/reports/report.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "src/reports/job.hpp"
#include "src/reports/service.hpp"

namespace shop::reports {
namespace {

FieldErrors ErrorsOf(std::string_view body, bool test_types = false) {
  FieldErrors errors;
  (void)ParseReportRequest(boost::json::parse(body), test_types, errors);
  return errors;
}

TEST(NormalizeTimestamp, DatesAndUtcTimestamps) {
  EXPECT_EQ(NormalizeTimestamp("2024-05-01"), "2024-05-01T00:00:00.000Z");
  EXPECT_EQ(NormalizeTimestamp("2024-05-01T12:34:56Z"), "2024-05-01T12:34:56.000Z");
  EXPECT_EQ(NormalizeTimestamp("2024-05-01T12:34:56.7Z"), "2024-05-01T12:34:56.700Z");
  EXPECT_EQ(NormalizeTimestamp("2024-05-01t12:34:56.789z"), "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(NormalizeTimestamp("2024-02-29"), "2024-02-29T00:00:00.000Z");
}

TEST(NormalizeTimestamp, RejectsWhatItCannotCompare) {
  for (const char* bad :
       {"", "2024-5-1", "2024-13-01", "2023-02-29", "2024-04-31", "2024-05-01T24:00:00Z",
        "2024-05-01T12:00:00", "2024-05-01T12:00:00+02:00", "2024-05-01T12:00:00.1234Z",
        "2024-05-01T12:00:00.Z", "2024-05-01 12:00:00Z", "yesterday", "2024-05-01Z"}) {
    EXPECT_FALSE(NormalizeTimestamp(bad)) << bad;
  }
}

TEST(ParseReportRequest, Valid) {
  FieldErrors errors;
  const auto request = ParseReportRequest(
      boost::json::parse(R"({"type":"sales_by_category","from":"2024-05-01","to":"2024-06-01"})"),
      false, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(request.type, "sales_by_category");
  EXPECT_EQ(request.from, "2024-05-01T00:00:00.000Z");
  EXPECT_EQ(request.to, "2024-06-01T00:00:00.000Z");
}

TEST(ParseReportRequest, EveryProblemIsNamed) {
  const auto errors = ErrorsOf(R"({"type":"nope","from":"May","extra":1})");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].field, "/extra");
  EXPECT_EQ(errors[1].field, "/type");
  EXPECT_EQ(errors[1].detail, "unknown report type \"nope\"; supported: sales_by_category");
  EXPECT_EQ(errors[2].field, "/from");
  EXPECT_EQ(errors[3].field, "/to");
  EXPECT_NE(errors[3].detail.find("required"), std::string::npos);
}

TEST(ParseReportRequest, PeriodMustBeForward) {
  const auto errors =
      ErrorsOf(R"({"type":"sales_by_category","from":"2024-06-01","to":"2024-06-01"})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "/to");
}

TEST(ParseReportRequest, NotAnObject) {
  const auto errors = ErrorsOf("[1]");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "");
}

TEST(ParseReportRequest, TestTypeOnlyWhenEnabled) {
  const char* body = R"({"type":"always_fail","from":"2024-05-01","to":"2024-06-01"})";
  EXPECT_EQ(ErrorsOf(body, false).size(), 1u);
  EXPECT_TRUE(ErrorsOf(body, true).empty());
}

Report Row(std::string status, int progress = 0) {
  return Report{.id = 7,
                .type = "sales_by_category",
                .status = std::move(status),
                .progress = progress,
                .job_id = 3};
}

keel::jobs::JobRecord Job(keel::jobs::JobState state, std::string error = "") {
  return keel::jobs::JobRecord{
      .id = 3, .state = state, .attempt = 2, .max_attempts = 3, .last_error = std::move(error)};
}

TEST(ViewOf, DerivesTheStatusFromTheJobUntilTheRowIsFinal) {
  using keel::jobs::JobState;
  EXPECT_EQ(ViewOf(Row("queued"), std::nullopt).status, "queued");
  EXPECT_EQ(ViewOf(Row("queued"), Job(JobState::kAvailable)).status, "queued");
  EXPECT_EQ(ViewOf(Row("running", 40), Job(JobState::kRunning)).status, "running");
  EXPECT_EQ(ViewOf(Row("running", 40), Job(JobState::kRunning)).progress, 40);
  const auto retrying = ViewOf(Row("running", 40), Job(JobState::kRetryable, "boom"));
  EXPECT_EQ(retrying.status, "queued");
  EXPECT_EQ(retrying.error, "boom");
  EXPECT_EQ(retrying.attempt, 2);
  const auto dead = ViewOf(Row("running", 40), Job(JobState::kDiscarded, "boom"));
  EXPECT_EQ(dead.status, "failed");
  EXPECT_EQ(dead.error, "boom");
  EXPECT_TRUE(dead.terminal());
  const auto done = ViewOf(Row("succeeded", 99), Job(JobState::kCompleted));
  EXPECT_EQ(done.status, "succeeded");
  EXPECT_EQ(done.progress, 100);
}

TEST(ViewJson, ResultUrlOnlyOnceSucceeded) {
  auto running = ViewOf(Row("running", 40), Job(keel::jobs::JobState::kRunning));
  auto json = boost::json::parse(ViewJson(running)).as_object();
  EXPECT_TRUE(json["result_url"].is_null());
  EXPECT_EQ(json["status"].as_string(), "running");
  EXPECT_EQ(json["progress"].as_int64(), 40);
  auto done = ViewOf(Row("succeeded"), std::nullopt);
  json = boost::json::parse(ViewJson(done)).as_object();
  EXPECT_EQ(json["result_url"].as_string(), "/v1/reports/7/result");
}

TEST(NoResultDetail, SaysWhatToDo) {
  const auto running = ViewOf(Row("running", 40), Job(keel::jobs::JobState::kRunning));
  EXPECT_EQ(NoResultDetail(running),
            "report 7 is running (40% done); its result exists once its status is succeeded: "
            "poll /v1/reports/7 or follow /v1/reports/7/events");
  const auto dead = ViewOf(Row("running"), Job(keel::jobs::JobState::kDiscarded, "boom"));
  EXPECT_EQ(NoResultDetail(dead), "report 7 failed (boom) and has no result; submit a new report");
}

TEST(ProgressOf, ZeroToNinetyNine) {
  EXPECT_EQ(ProgressOf(0, 100, 0), 0);
  EXPECT_EQ(ProgressOf(0, 100, 50), 50);
  EXPECT_EQ(ProgressOf(0, 100, 100), 99);  // 100 comes with the result
  EXPECT_EQ(ProgressOf(10, 10, 10), 99);   // no orders
}

TEST(ParseJobArgs, ReportIdOrInvalidArgument) {
  EXPECT_EQ(*ParseJobArgs(R"({"report_id":12})"), 12);
  for (const char* bad : {"", "{}", R"({"report_id":"12"})", R"({"report_id":0})", "[1]"}) {
    const auto parsed = ParseJobArgs(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code(), keel::ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace shop::reports
