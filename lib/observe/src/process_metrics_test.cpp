#include "keel/observe/process_metrics.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

namespace keel::observe {
namespace {

// The value of the unlabelled sample `name` in an exposition, if present.
std::optional<double> SampleValue(const std::string& text, const std::string& name) {
  const std::string prefix = "\n" + name + " ";
  const std::size_t at = text.find(prefix);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  return std::strtod(text.c_str() + at + prefix.size(), nullptr);
}

TEST(ProcessMetricsTest, ReportsPlausibleValues) {
  MetricRegistry registry;
  AddProcessCollector(registry);
  std::thread sleeper([] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); });
  const std::string text = registry.RenderPrometheus();
  sleeper.join();

  const auto rss = SampleValue(text, "process_resident_memory_bytes");
  ASSERT_TRUE(rss.has_value()) << text;
  EXPECT_GT(*rss, 1024.0 * 1024.0);
  const auto vsz = SampleValue(text, "process_virtual_memory_bytes");
  ASSERT_TRUE(vsz.has_value()) << text;
  EXPECT_GE(*vsz, *rss);

  const auto fds = SampleValue(text, "process_open_fds");
  ASSERT_TRUE(fds.has_value()) << text;
  EXPECT_GE(*fds, 3.0);  // at least stdin, stdout, stderr

  const auto threads = SampleValue(text, "process_threads");
  ASSERT_TRUE(threads.has_value()) << text;
  EXPECT_GE(*threads, 2.0);  // this thread and the sleeper

  const auto cpu = SampleValue(text, "process_cpu_seconds_total");
  ASSERT_TRUE(cpu.has_value()) << text;
  EXPECT_GE(*cpu, 0.0);

  const auto start = SampleValue(text, "process_start_time_seconds");
  ASSERT_TRUE(start.has_value()) << text;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(*start, now + 2.0);
  EXPECT_GT(*start, now - 24 * 3600.0);  // a test binary started less than a day ago

  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE process_open_fds gauge\n"), std::string::npos);
}

TEST(ProcessMetricsTest, OpenFdsFollowsOpenedDescriptors) {
  MetricRegistry registry;
  AddProcessCollector(registry);
  const auto before = SampleValue(registry.RenderPrometheus(), "process_open_fds");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const auto during = SampleValue(registry.RenderPrometheus(), "process_open_fds");
  close(fds[0]);
  close(fds[1]);
  ASSERT_TRUE(before && during);
  EXPECT_EQ(*during, *before + 2);
}

}  // namespace
}  // namespace keel::observe
