#include "keel/observe/http_metrics.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "keel/observe/metric_registry.hpp"

namespace keel::observe {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

class HttpMetricsObserverTest : public ::testing::Test {
 protected:
  std::uint64_t Requests(const std::string& route, const std::string& method,
                         const std::string& code) {
    return registry_
        .GetCounter("keel_http_requests_total", "",
                    {{"route", route}, {"method", method}, {"code", code}})
        .Value();
  }
  std::uint64_t Durations(const std::string& route, const std::string& method) {
    return registry_
        .GetHistogram("keel_http_request_duration_seconds", "",
                      {{"route", route}, {"method", method}})
        .Read()
        .count;
  }
  Histogram::Snapshot StageSnapshot(const std::string& stage) {
    return registry_.GetHistogram("keel_http_request_stage_seconds", "", {{"stage", stage}}).Read();
  }

  static http::CompletedRequest Request(std::string_view route, http::Method method, int status) {
    http::CompletedRequest r;
    r.route = route;
    r.method = method;
    r.status = status;
    r.duration = milliseconds(2);
    return r;
  }

  MetricRegistry registry_;
};

TEST_F(HttpMetricsObserverTest, CountsRequestsPerRouteMethodAndCode) {
  HttpMetricsObserver observer(registry_, nullptr);
  observer.OnRequest(Request("/a", http::Method::kGet, 200));
  observer.OnRequest(Request("/a", http::Method::kGet, 200));
  observer.OnRequest(Request("/a", http::Method::kGet, 404));
  observer.OnRequest(Request("/a", http::Method::kPost, 201));
  observer.OnRequest(Request("/b/{id}", http::Method::kOther, 501));
  EXPECT_EQ(Requests("/a", "GET", "200"), 2u);
  EXPECT_EQ(Requests("/a", "GET", "404"), 1u);
  EXPECT_EQ(Requests("/a", "POST", "201"), 1u);
  EXPECT_EQ(Requests("/b/{id}", "OTHER", "501"), 1u);
  EXPECT_EQ(Durations("/a", "GET"), 3u);  // all codes share the route's histogram
  EXPECT_EQ(Durations("/a", "POST"), 1u);
  const auto d = registry_
                     .GetHistogram("keel_http_request_duration_seconds", "",
                                   {{"route", "/a"}, {"method", "GET"}})
                     .Read();
  EXPECT_EQ(d.sum_nanos, 3u * 2'000'000u);
}

TEST_F(HttpMetricsObserverTest, RouteTextIsCopied) {
  HttpMetricsObserver observer(registry_, nullptr);
  {
    std::string route = "<unmatched>";
    observer.OnRequest(Request(route, http::Method::kGet, 404));
    route.assign(route.size(), '#');  // the observer must not keep a view of this buffer
  }
  std::string again = "<unmatched>";
  observer.OnRequest(Request(again, http::Method::kGet, 404));
  EXPECT_EQ(Requests("<unmatched>", "GET", "404"), 2u);
}

TEST_F(HttpMetricsObserverTest, RecordsStagesThatRan) {
  HttpMetricsObserver observer(registry_, nullptr);
  StageAccount stages;
  stages.Add(Stage::kRead, microseconds(10));
  stages.Add(Stage::kHandler, milliseconds(1));
  stages.Add(Stage::kDb, microseconds(300));
  stages.Add(Stage::kDb, microseconds(200));
  auto r = Request("/a", http::Method::kGet, 200);
  r.stages = &stages;
  observer.OnRequest(r);
  const std::string text = registry_.RenderPrometheus();
  EXPECT_NE(text.find("keel_http_request_stage_seconds_count{stage=\"db\"} 1\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("stage=\"queue\""), std::string::npos) << "unused stages stay unexported";
  EXPECT_EQ(StageSnapshot("read").count, 1u);
  EXPECT_EQ(StageSnapshot("app").count, 1u);
  EXPECT_EQ(StageSnapshot("db").count, 1u);  // one observation: the request's total db time
  EXPECT_EQ(StageSnapshot("db").sum_nanos, 500'000u);
  EXPECT_EQ(StageSnapshot("queue").count, 0u);
  EXPECT_EQ(StageSnapshot("write").count, 0u);
}

TEST_F(HttpMetricsObserverTest, AdminRequestsStayOutOfRed) {
  HttpMetricsObserver observer(registry_, nullptr);
  StageAccount stages;
  stages.Add(Stage::kHandler, microseconds(5));
  auto r = Request("/metrics", http::Method::kGet, 200);
  r.admin = true;
  r.stages = &stages;
  observer.OnRequest(r);
  observer.OnRequest(r);
  EXPECT_EQ(registry_
                .GetCounter("keel_http_admin_requests_total", "",
                            {{"route", "/metrics"}, {"code", "200"}})
                .Value(),
            2u);
  const std::string text = registry_.RenderPrometheus();
  EXPECT_EQ(text.find("keel_http_requests_total{"), std::string::npos) << text;
  EXPECT_EQ(text.find("keel_http_request_duration_seconds_count{"), std::string::npos) << text;
  EXPECT_EQ(StageSnapshot("app").count, 0u);
}

TEST_F(HttpMetricsObserverTest, OpenConnections) {
  HttpMetricsObserver observer(registry_, nullptr);
  Gauge& open = registry_.GetGauge("keel_http_open_connections", "");
  observer.OnConnectionOpened();
  observer.OnConnectionOpened();
  observer.OnConnectionOpened();
  observer.OnConnectionClosed();
  EXPECT_EQ(open.Value(), 2.0);
}

TEST_F(HttpMetricsObserverTest, PassesRequestsToTheAccessLog) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    Logger logger({.fd = fileno(file)});
    AccessLog access(logger, {.mode = AccessLogMode::kOn});
    HttpMetricsObserver observer(registry_, &access);
    observer.OnRequest(Request("/a", http::Method::kGet, 200));
    observer.OnRequest(Request("/a", http::Method::kGet, 200));
  }
  std::rewind(file);
  int lines = 0;
  for (int c; (c = std::fgetc(file)) != EOF;) {
    lines += c == '\n' ? 1 : 0;
  }
  std::fclose(file);
  EXPECT_EQ(lines, 2);
}

TEST_F(HttpMetricsObserverTest, ConcurrentRequestsSumCorrectly) {
  HttpMetricsObserver observer(registry_, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20'000;
  const std::vector<std::string> routes = {"/a", "/b/{id}", "/c"};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        observer.OnRequest(Request(routes[i % 3], http::Method::kGet, i % 2 ? 200 : 500));
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::uint64_t total = 0;
  std::uint64_t durations = 0;
  for (const auto& route : routes) {
    total += Requests(route, "GET", "200") + Requests(route, "GET", "500");
    durations += Durations(route, "GET");
  }
  EXPECT_EQ(total, std::uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(durations, std::uint64_t{kThreads} * kPerThread);
}

}  // namespace
}  // namespace keel::observe

namespace keel::observe {
namespace {

TEST(HttpMetricsQueryBudget, OverBudgetIsCountedAndLogged) {
  MetricRegistry registry;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  Logger logger(LogSettings{.level = LogLevel::kInfo, .fd = fds[1]});
  HttpMetricsObserver observer(registry, nullptr, &logger);
  StageAccount stages;
  for (int i = 0; i < 5; ++i) {
    stages.Add(Stage::kDb, std::chrono::microseconds(10));
  }
  http::CompletedRequest r;
  r.route = "/v1/things";
  r.method_text = "GET";
  r.status = 200;
  r.stages = &stages;
  r.query_limit = 5;
  observer.OnRequest(r);  // at the limit: fine
  r.query_limit = 4;
  r.request_id = "req-1";
  observer.OnRequest(r);  // over it
  logger.Flush();
  ::close(fds[1]);
  char buf[4096];
  const auto n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  const std::string log(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  EXPECT_NE(log.find("\"query budget exceeded: likely N+1 queries\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"queries\":5"), std::string::npos) << log;
  EXPECT_NE(log.find("\"request_id\":\"req-1\""), std::string::npos) << log;
  EXPECT_EQ(log.find("\n", log.find("\n") + 1), std::string::npos) << "exactly one warning";
  const std::string page = registry.RenderPrometheus();
  EXPECT_NE(page.find("keel_http_query_budget_exceeded_total{route=\"/v1/things\"} 1"),
            std::string::npos)
      << page;
}

}  // namespace
}  // namespace keel::observe
