#include "keel/jobs/admin_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "keel/jobs/config.hpp"
#include "keel/jobs/sqlite_queue.hpp"
#include "test_support.hpp"

namespace keel::jobs {
namespace {

using namespace std::chrono_literals;

class AdminRoutesTest : public ::testing::Test {
 protected:
  AdminRoutesTest() : queue_(tdb_.db(), {.max_attempts = 1}, nullptr, &clock_) {
    AddJobAdminRoutes(router_, queue_);
  }

  // Routes `method target` and runs its handler.
  http::Response Call(http::Method method, std::string target) {
    const auto q = target.find('?');
    const std::string path = target.substr(0, q);
    http::RouteMatch match = router_.Match(method, path);
    if (match.kind != http::RouteMatch::Kind::kFound) {
      return http::Response(404);
    }
    EXPECT_TRUE(match.route->options.admin);
    http::Headers headers;
    http::Request request;
    request.Assign({.method = method,
                    .method_text = http::MethodName(method),
                    .target = target,
                    .path = path,
                    .query = q == std::string::npos ? std::string_view()
                                                    : std::string_view(target).substr(q + 1),
                    .version_minor = 1},
                   headers);
    request.SetPathParams(std::move(match.params));
    http::RequestContext ctx;
    ctx.Reset("admin-test", Deadline::After(5s));
    return testing::Await(io_, match.route->handler(request, ctx));
  }
  static boost::json::value Body(const http::Response& r) { return boost::json::parse(r.body()); }

  JobId DeadJob() {
    auto id = testing::Await(io_, queue_.Enqueue({.kind = "export", .args = R"({"n":1})"}, {}))->id;
    auto claimed = testing::Await(io_, queue_.Claim({"default"}, 1, {.worker = "w"}, {}));
    (void)testing::Await(io_, queue_.Fail(claimed->at(0), "disk full", false, {}));
    return id;
  }

  boost::asio::io_context io_;
  ManualClock clock_;
  testing::TestDatabase tdb_;
  SqliteJobQueue queue_;
  http::Router router_;
};

TEST_F(AdminRoutesTest, ListsAndInspectsJobsByState) {
  const JobId dead = DeadJob();
  (void)testing::Await(io_, queue_.Enqueue({.kind = "other"}, {}));
  const auto list = Call(http::Method::kGet, "/admin/jobs?state=discarded&queue=default&limit=5");
  ASSERT_EQ(list.status(), 200);
  const boost::json::value body = Body(list);
  const auto& jobs = body.at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].at("id").as_int64(), dead);
  EXPECT_EQ(jobs[0].at("state").as_string(), "discarded");
  EXPECT_EQ(jobs[0].at("last_error").as_string(), "disk full");
  EXPECT_EQ(jobs[0].at("args").at("n").as_int64(), 1);

  const auto one = Call(http::Method::kGet, "/admin/jobs/" + std::to_string(dead));
  ASSERT_EQ(one.status(), 200);
  EXPECT_EQ(Body(one).at("kind").as_string(), "export");
  EXPECT_EQ(Call(http::Method::kGet, "/admin/jobs/9999").status(), 404);
  EXPECT_EQ(Call(http::Method::kGet, "/admin/jobs?state=dead").status(), 400);
  EXPECT_EQ(Call(http::Method::kGet, "/admin/jobs?limit=0").status(), 400);
}

TEST_F(AdminRoutesTest, RetryAndDiscardDeadJobs) {
  const JobId dead = DeadJob();
  const auto retried = Call(http::Method::kPost, "/admin/jobs/" + std::to_string(dead) + "/retry");
  ASSERT_EQ(retried.status(), 200);
  EXPECT_EQ(Body(retried).at("state").as_string(), "available");
  auto claimed = testing::Await(io_, queue_.Claim({"default"}, 1, {.worker = "w"}, {}));
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(Call(http::Method::kPost, "/admin/jobs/" + std::to_string(dead) + "/retry").status(),
            409);  // running

  const JobId other = DeadJob();
  const auto dismissed =
      Call(http::Method::kPost, "/admin/jobs/" + std::to_string(other) + "/discard");
  ASSERT_EQ(dismissed.status(), 200);
  EXPECT_EQ(Body(dismissed).at("state").as_string(), "cancelled");
  EXPECT_EQ(Call(http::Method::kPost, "/admin/jobs/9999/discard").status(), 404);
}

TEST(JobsConfig, DefaultsLoadAndContradictionsAreRefused) {
  ConfigSchema schema;
  AddJobsConfig(schema);
  auto config = Config::Load(schema, {.environment = std::vector<std::string>{},
                                      .overrides = {{"jobs.queues", "reports,default"}}});
  ASSERT_TRUE(config) << config.error().message();
  auto settings = JobsSettingsFromConfig(*config);
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->workers.concurrency, 4u);
  EXPECT_EQ(settings->workers.queues, (std::vector<std::string>{"reports", "default"}));
  EXPECT_EQ(settings->workers.lease, 30s);
  EXPECT_EQ(settings->queue.max_attempts, 25);
  EXPECT_EQ(settings->queue.backoff.cap, 1h);
  EXPECT_EQ(settings->queue.max_depth, 100000);

  EXPECT_FALSE(Config::Load(
      schema, {.environment = std::vector<std::string>{}, .overrides = {{"jobs.queues", "a,,b"}}}));
  auto inverted = Config::Load(schema, {.environment = std::vector<std::string>{},
                                        .overrides = {{"jobs.backoff_cap", "500ms"}}});
  ASSERT_TRUE(inverted);
  EXPECT_FALSE(JobsSettingsFromConfig(*inverted));
}

}  // namespace
}  // namespace keel::jobs
