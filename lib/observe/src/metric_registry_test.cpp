#include "keel/observe/metric_registry.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "keel/core/stage_account.hpp"
#include "keel/observe/http_metrics.hpp"
#include "keel/observe/process_metrics.hpp"

namespace keel::observe {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(MetricRegistryTest, SameNameAndLabelsGiveSameMetric) {
  MetricRegistry registry;
  Counter& a = registry.GetCounter("t_total", "h", {{"b", "2"}, {"a", "1"}});
  Counter& b = registry.GetCounter("t_total", "ignored", {{"a", "1"}, {"b", "2"}});
  Counter& c = registry.GetCounter("t_total", "h", {{"a", "1"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  EXPECT_EQ(&registry.GetGauge("g", "h"), &registry.GetGauge("g", "h"));
  EXPECT_EQ(&registry.GetHistogram("h_seconds", "h"), &registry.GetHistogram("h_seconds", "h"));
}

TEST(MetricRegistryTest, RendersCountersAndGaugesSorted) {
  MetricRegistry registry;
  registry.GetGauge("zeta", "Last.").Set(2.5);
  registry.GetCounter("alpha_total", "First.", {{"kind", "b"}}).Add(3);
  registry.GetCounter("alpha_total", "First.", {{"kind", "a"}}).Add(1);
  registry.GetGauge("mid", "Negative.").Set(-1);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP alpha_total First.\n"
            "# TYPE alpha_total counter\n"
            "alpha_total{kind=\"a\"} 1\n"
            "alpha_total{kind=\"b\"} 3\n"
            "# HELP mid Negative.\n"
            "# TYPE mid gauge\n"
            "mid -1\n"
            "# HELP zeta Last.\n"
            "# TYPE zeta gauge\n"
            "zeta 2.5\n");
}

TEST(MetricRegistryTest, EscapesHelpAndLabelValues) {
  MetricRegistry registry;
  registry.GetCounter("esc_total", "Back\\slash and\nnewline \"quoted\".",
                      {{"v", "a\\b\"c\nd"}, {"bad", "\xff"}});
  const std::string text = registry.RenderPrometheus();
  EXPECT_PRED2(Contains, text, "# HELP esc_total Back\\\\slash and\\nnewline \"quoted\".\n");
  EXPECT_PRED2(Contains, text, "esc_total{bad=\"\xEF\xBF\xBD\",v=\"a\\\\b\\\"c\\nd\"} 0\n");
}

TEST(MetricRegistryTest, RendersHistogramInSeconds) {
  MetricRegistry registry;
  Histogram& h = registry.GetHistogram("lat_seconds", "Latency.", {{"route", "/x"}});
  h.RecordNanos(10'000);           // bucket 0 (le 0.000032768)
  h.RecordNanos(32'768);           // exactly the first bound: still bucket 0
  h.RecordNanos(1'000'000);        // 1 ms
  h.RecordNanos(100'000'000'000);  // 100 s: +Inf only
  const std::string text = registry.RenderPrometheus();
  EXPECT_PRED2(Contains, text, "# TYPE lat_seconds histogram\n");
  EXPECT_PRED2(Contains, text, "lat_seconds_bucket{route=\"/x\",le=\"0.000032768\"} 2\n");
  EXPECT_PRED2(Contains, text, "lat_seconds_bucket{route=\"/x\",le=\"0.000036864\"} 2\n");
  EXPECT_PRED2(Contains, text, "lat_seconds_bucket{route=\"/x\",le=\"0.001048576\"} 3\n");
  EXPECT_PRED2(Contains, text, "lat_seconds_bucket{route=\"/x\",le=\"68.719476736\"} 3\n");
  EXPECT_PRED2(Contains, text, "lat_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n");
  EXPECT_PRED2(Contains, text, "lat_seconds_sum{route=\"/x\"} 100.001042768\n");
  EXPECT_PRED2(Contains, text, "lat_seconds_count{route=\"/x\"} 4\n");
  // One line per finite bound, +Inf, _sum and _count.
  std::size_t lines = 0;
  for (char c : text) {
    lines += c == '\n' ? 1 : 0;
  }
  EXPECT_EQ(lines, 2 + Histogram::kBuckets + 2);
}

TEST(MetricRegistryTest, CollectorsJoinFamiliesInOrder) {
  MetricRegistry registry;
  registry.GetGauge("b_pool_size", "Pool size.", {{"pool", "db"}}).Set(4);
  registry.AddCollector([](MetricWriter& w) {
    w.WriteGauge("b_pool_size", "Ignored help.", 2, {{"pool", "cpu"}});
    w.WriteGauge("a_first", "Collected.", 1.25);
    w.WriteCounter("c_events_total", "Collected counter.", 7, {{"k", "v"}});
  });
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP a_first Collected.\n"
            "# TYPE a_first gauge\n"
            "a_first 1.25\n"
            "# HELP b_pool_size Pool size.\n"
            "# TYPE b_pool_size gauge\n"
            "b_pool_size{pool=\"db\"} 4\n"
            "b_pool_size{pool=\"cpu\"} 2\n"
            "# HELP c_events_total Collected counter.\n"
            "# TYPE c_events_total counter\n"
            "c_events_total{k=\"v\"} 7\n");
}

TEST(MetricRegistryTest, CollectorMayRegisterMetrics) {
  MetricRegistry registry;
  registry.AddCollector(
      [&registry](MetricWriter&) { registry.GetCounter("scrapes_total", "Scrapes.").Add(); });
  (void)registry.RenderPrometheus();
  EXPECT_PRED2(Contains, registry.RenderPrometheus(), "scrapes_total 1\n");
}

TEST(MetricRegistryTest, GaugeSpecialValues) {
  MetricRegistry registry;
  registry.GetGauge("g_nan", "h").Set(std::numeric_limits<double>::quiet_NaN());
  registry.GetGauge("g_inf", "h").Set(-std::numeric_limits<double>::infinity());
  const std::string text = registry.RenderPrometheus();
  EXPECT_PRED2(Contains, text, "g_nan NaN\n");
  EXPECT_PRED2(Contains, text, "g_inf -Inf\n");
}

TEST(MetricRegistryDeathTest, MisuseIsFatal) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  MetricRegistry registry;
  registry.GetCounter("used_total", "h");
  EXPECT_DEATH(registry.GetGauge("used_total", "h"), "check failed");
  EXPECT_DEATH(registry.GetCounter("no_suffix", "h"), "check failed");
  EXPECT_DEATH(registry.GetGauge("1bad", "h"), "check failed");
  EXPECT_DEATH(registry.GetGauge("g", "h", {{"__reserved", "x"}}), "check failed");
  EXPECT_DEATH(registry.GetGauge("g", "h", {{"a", "1"}, {"a", "2"}}), "check failed");
  EXPECT_DEATH(registry.GetHistogram("h_seconds", "h", {{"le", "1"}}), "check failed");
}

TEST(MetricRegistryTest, ConcurrentGetAndRecord) {
  MetricRegistry registry;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&registry, t] {
      for (int i = 0; i < 1000; ++i) {
        registry.GetCounter("c_total", "h", {{"n", std::to_string(i % 10)}}).Add();
        registry.GetHistogram("h_seconds", "h").RecordNanos(static_cast<std::uint64_t>(t) * i);
        if (i % 100 == 0) {
          (void)registry.RenderPrometheus();
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::uint64_t total = 0;
  for (int n = 0; n < 10; ++n) {
    total += registry.GetCounter("c_total", "h", {{"n", std::to_string(n)}}).Value();
  }
  EXPECT_EQ(total, 4000u);
  EXPECT_PRED2(Contains, registry.RenderPrometheus(), "h_seconds_count 4000\n");
}

// --- promtool ------------------------------------------------------------------------------

constexpr const char* kPromtool = "/usr/bin/promtool";

struct PromtoolResult {
  int exit_code = -1;
  std::string output;
};

PromtoolResult RunPromtool(const std::string& exposition) {
  char path[] = "/tmp/keel_promtool_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) {
    return {};
  }
  {
    std::ofstream out(path);
    out << exposition;
  }
  close(fd);
  const std::string out_path = std::string(path) + ".out";
  const std::string cmd =
      std::string(kPromtool) + " check metrics < " + path + " > " + out_path + " 2>&1";
  const int status = std::system(cmd.c_str());
  PromtoolResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out_path);
  std::stringstream ss;
  ss << in.rdbuf();
  result.output = ss.str();
  std::remove(path);
  std::remove(out_path.c_str());
  return result;
}

TEST(MetricRegistryPromtoolTest, ExpositionPassesPromtool) {
  if (access(kPromtool, X_OK) != 0) {
    GTEST_SKIP() << kPromtool << " not installed";
  }
  MetricRegistry registry;
  AddProcessCollector(registry);
  registry
      .GetCounter("keel_test_events_total", "Events with \"quotes\" and \\ in help.",
                  {{"kind", "a\"b\\c\nd"}, {"zone", "eu"}})
      .Add(5);
  registry.GetGauge("keel_test_temperature_celsius", "A gauge.").Set(-3.25);
  registry.GetHistogram("keel_test_wait_seconds", "An unused histogram.");
  registry.AddCollector([](MetricWriter& w) {
    w.WriteGauge("keel_test_pool_size", "Pool size.", 3, {{"pool", "db"}});
    w.WriteGauge("keel_test_pool_size", "Pool size.", 2, {{"pool", "cpu"}});
  });

  HttpMetricsObserver observer(registry, nullptr);
  observer.OnConnectionOpened();
  StageAccount stages;
  stages.Add(Stage::kRead, std::chrono::microseconds(20));
  stages.Add(Stage::kHandler, std::chrono::milliseconds(3));
  stages.Add(Stage::kDb, std::chrono::milliseconds(2));
  http::CompletedRequest request;
  request.route = "/v1/products/{id}";
  request.method = http::Method::kGet;
  request.status = 200;
  request.duration = std::chrono::milliseconds(4);
  request.stages = &stages;
  observer.OnRequest(request);
  request.route = "<unmatched>";
  request.status = 404;
  observer.OnRequest(request);
  request.route = "/metrics";
  request.admin = true;
  observer.OnRequest(request);

  const std::string text = registry.RenderPrometheus();
  const PromtoolResult result = RunPromtool(text);
  EXPECT_EQ(result.exit_code, 0) << result.output << "\n--- exposition ---\n" << text;
  EXPECT_TRUE(Contains(text, "process_resident_memory_bytes "));
}

}  // namespace
}  // namespace keel::observe
