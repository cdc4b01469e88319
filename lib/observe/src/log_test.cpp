#include "keel/observe/log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "keel/observe/metric_registry.hpp"

namespace keel::observe {
namespace {

// A temporary file to log into, read back after Flush().
class TempLog {
 public:
  TempLog() : file_(std::tmpfile()) {}
  ~TempLog() { std::fclose(file_); }
  [[nodiscard]] int fd() const { return fileno(file_); }

  [[nodiscard]] std::string Contents() const {
    std::string text;
    char buf[4096];
    off_t offset = 0;
    ssize_t n = 0;
    while ((n = pread(fd(), buf, sizeof buf, offset)) > 0) {
      text.append(buf, static_cast<std::size_t>(n));
      offset += n;
    }
    return text;
  }

  [[nodiscard]] std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    const std::string text = Contents();
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      lines.push_back(text.substr(start, nl - start));
    }
    EXPECT_EQ(start, text.size()) << "unterminated last line";
    return lines;
  }

 private:
  std::FILE* file_;
};

bool IsTimestamp(std::string_view ts) {
  // 2026-11-23T09:04:27.123Z
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (ts.size() != kShape.size()) {
    return false;
  }
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const bool ok = kShape[i] == 'd' ? (ts[i] >= '0' && ts[i] <= '9') : ts[i] == kShape[i];
    if (!ok) {
      return false;
    }
  }
  return true;
}

// The line without its timestamp, which the tests cannot predict.
std::string WithoutTs(const std::string& line) {
  constexpr std::string_view kPrefix = R"({"ts":")";
  constexpr std::size_t kTsSize = 24;
  if (!line.starts_with(kPrefix) || line.size() < kPrefix.size() + kTsSize + 2 ||
      !IsTimestamp(std::string_view(line).substr(kPrefix.size(), kTsSize)) ||
      line.compare(kPrefix.size() + kTsSize, 2, "\",") != 0) {
    return "NO TIMESTAMP: " + line;
  }
  return "{" + line.substr(kPrefix.size() + kTsSize + 2);
}

TEST(LoggerTest, LineFormatAndTimestamp) {
  TempLog out;
  {
    Logger logger({.level = LogLevel::kInfo, .fd = out.fd()});
    logger.Log(LogLevel::kInfo, "hello");
  }
  const auto lines = out.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(WithoutTs(lines[0]), R"({"level":"info","msg":"hello"})");
}

TEST(LoggerTest, FieldTypesAndEscaping) {
  TempLog out;
  Logger logger({.level = LogLevel::kDebug, .fd = out.fd()});
  const std::string owned = "owned";
  logger.Log(LogLevel::kWarn, "a\"b\\c\nd\x01",
             {{"s", "tab\there"},
              {"owned", owned},
              {"i", -5},
              {"u", std::numeric_limits<std::uint64_t>::max()},
              {"d", 1.5},
              {"fixed", 2.0, 3},
              {"t", true},
              {"f", false},
              {"nan", std::numeric_limits<double>::quiet_NaN()},
              {"k\"ey", std::string_view("\x1f")},
              {"bad", "\xff"}});
  logger.Flush();
  const auto lines = out.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(WithoutTs(lines[0]),
            R"({"level":"warn","msg":"a\"b\\c\nd\u0001","s":"tab\there","owned":"owned",)"
            R"("i":-5,"u":18446744073709551615,"d":1.5,"fixed":2.000,"t":true,"f":false,)"
            R"("nan":null,"k\"ey":"\u001f","bad":")"
            "\xEF\xBF\xBD"
            R"("})");
}

TEST(LoggerTest, LevelFilter) {
  TempLog out;
  Logger logger({.level = LogLevel::kWarn, .fd = out.fd()});
  EXPECT_FALSE(logger.Enabled(LogLevel::kInfo));
  EXPECT_TRUE(logger.Enabled(LogLevel::kError));
  logger.Log(LogLevel::kDebug, "no");
  logger.Log(LogLevel::kInfo, "no");
  logger.Log(LogLevel::kWarn, "yes");
  logger.Log(LogLevel::kError, "yes too");
  logger.Flush();
  const auto lines = out.Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(WithoutTs(lines[0]), R"({"level":"warn","msg":"yes"})");
  EXPECT_EQ(WithoutTs(lines[1]), R"({"level":"error","msg":"yes too"})");
  EXPECT_EQ(logger.dropped(), 0u);
}

TEST(LoggerTest, KeepsEachThreadsOrder) {
  TempLog out;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  {
    Logger logger({.fd = out.fd(), .queue_capacity = kThreads * kPerThread});
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&logger, t] {
        for (int i = 0; i < kPerThread; ++i) {
          logger.Log(LogLevel::kInfo, "m", {{"t", t}, {"i", i}});
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
    logger.Flush();
    EXPECT_EQ(logger.dropped(), 0u);
  }
  const auto lines = out.Lines();
  ASSERT_EQ(lines.size(), std::size_t{kThreads} * kPerThread);
  std::vector<int> next(kThreads, 0);
  for (const auto& line : lines) {
    int t = -1;
    int i = -1;
    const std::size_t at = line.find(R"("t":)");
    ASSERT_NE(at, std::string::npos) << line;
    ASSERT_EQ(std::sscanf(line.c_str() + at, R"("t":%d,"i":%d})", &t, &i), 2) << line;
    ASSERT_TRUE(t >= 0 && t < kThreads) << line;
    EXPECT_EQ(i, next[t]++) << line;
  }
}

TEST(LoggerTest, DropsAndCountsWhenTheQueueIsFull) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  fcntl(pipe_fds[1], F_SETPIPE_SZ, 4096);
  MetricRegistry registry;
  constexpr int kSmallLines = 1000;
  std::uint64_t dropped = 0;
  std::size_t received_lines = 0;
  std::thread reader;
  {
    Logger logger({.fd = pipe_fds[1], .queue_capacity = 4}, &registry);
    // A line larger than the pipe blocks the writer thread until the reader starts.
    logger.Log(LogLevel::kInfo, std::string(256 * 1024, 'x'));
    for (int i = 0; i < kSmallLines; ++i) {
      logger.Log(LogLevel::kInfo, "small", {{"i", i}});
    }
    dropped = logger.dropped();
    // The writer holds at most one batch and the queue at most 4 more lines.
    EXPECT_GE(dropped, std::uint64_t{kSmallLines} - 8);
    reader = std::thread([&] {
      char buf[65536];
      ssize_t n = 0;
      while ((n = read(pipe_fds[0], buf, sizeof buf)) > 0) {
        for (ssize_t k = 0; k < n; ++k) {
          received_lines += buf[k] == '\n' ? 1 : 0;
        }
      }
    });
    logger.Flush();
    EXPECT_EQ(logger.dropped(), dropped);  // nothing more lost once the reader drains
  }
  close(pipe_fds[1]);
  reader.join();
  close(pipe_fds[0]);
  EXPECT_EQ(received_lines + dropped, std::size_t{kSmallLines} + 1);
  EXPECT_EQ(registry.GetCounter("keel_log_dropped_total", "").Value(), dropped);
}

// --- AccessLog -----------------------------------------------------------------------------

http::CompletedRequest MakeRequest(int status = 200) {
  http::CompletedRequest r;
  r.request_id = "r-1";
  r.route = "/v1/products/{id}";
  r.method_text = "GET";
  r.method = http::Method::kGet;
  r.target = "/v1/products/7?q=\"x\"";
  r.remote_addr = "10.0.0.1:5555";
  r.status = status;
  r.bytes_in = 3;
  r.bytes_out = 42;
  r.duration = std::chrono::nanoseconds(1'234'567);
  return r;
}

TEST(AccessLogTest, FormatsRequestLine) {
  TempLog out;
  Logger logger({.fd = out.fd()});
  AccessLog access(logger, {.mode = AccessLogMode::kOn});
  access.Record(MakeRequest());
  logger.Flush();
  const auto lines = out.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(WithoutTs(lines[0]),
            R"({"level":"info","msg":"request","request_id":"r-1","route":"/v1/products/{id}",)"
            R"("method":"GET","path":"/v1/products/7?q=\"x\"","status":200,"duration_ms":1.235,)"
            R"("bytes":42,"bytes_in":3,"remote":"10.0.0.1:5555"})");
}

TEST(AccessLogTest, CarriesTheTimeOfEachStageThatRanAndTheQueryCount) {
  TempLog out;
  Logger logger({.fd = out.fd()});
  AccessLog access(logger, {.mode = AccessLogMode::kOn});
  StageAccount stages;
  stages.Add(Stage::kHandler, std::chrono::microseconds(25'500));
  stages.Add(Stage::kDb, std::chrono::microseconds(1'000));
  stages.Add(Stage::kDb, std::chrono::microseconds(2'250));
  stages.Add(Stage::kUpstream, std::chrono::microseconds(20'000));
  http::CompletedRequest r = MakeRequest();
  r.stages = &stages;
  access.Record(r);
  logger.Flush();
  const auto lines = out.Lines();
  ASSERT_EQ(lines.size(), 1u);
  // Stages that did not run (read, queue, write, cache) are left out.
  EXPECT_NE(lines[0].find(R"("remote":"10.0.0.1:5555","app_ms":25.500,"db_ms":3.250,)"
                          R"("upstream_ms":20.000,"db_queries":2})"),
            std::string::npos)
      << lines[0];
}

TEST(AccessLogTest, OffLogsNothing) {
  TempLog out;
  Logger logger({.fd = out.fd()});
  AccessLog access(logger, {.mode = AccessLogMode::kOff});
  access.Record(MakeRequest(500));
  logger.Flush();
  EXPECT_TRUE(out.Contents().empty());
}

TEST(AccessLogTest, SamplingIsExactAndKeepsServerErrors) {
  TempLog out;
  Logger logger({.fd = out.fd()});
  AccessLog access(logger, {.mode = AccessLogMode::kSampled, .sample_rate = 0.25});
  int logged = 0;
  for (int i = 0; i < 100; ++i) {
    logged += access.ShouldLog(MakeRequest()) ? 1 : 0;
  }
  EXPECT_EQ(logged, 25);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(access.ShouldLog(MakeRequest(503)));
  }

  AccessLog none(logger, {.mode = AccessLogMode::kSampled, .sample_rate = 0.0});
  AccessLog all(logger, {.mode = AccessLogMode::kSampled, .sample_rate = 7.0});  // clamped
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(none.ShouldLog(MakeRequest(404)));
    EXPECT_TRUE(none.ShouldLog(MakeRequest(500)));
    EXPECT_TRUE(all.ShouldLog(MakeRequest()));
  }
}

TEST(AccessLogTest, AdminRequestsOnlyWhenIncluded) {
  TempLog out;
  Logger logger({.fd = out.fd()});
  auto admin = MakeRequest(500);
  admin.admin = true;
  AccessLog plain(logger, {.mode = AccessLogMode::kOn});
  AccessLog with_admin(logger, {.mode = AccessLogMode::kOn, .include_admin = true});
  EXPECT_FALSE(plain.ShouldLog(admin));
  EXPECT_TRUE(with_admin.ShouldLog(admin));
}

TEST(AccessLogTest, SkippedBelowLoggerLevel) {
  TempLog out;
  Logger logger({.level = LogLevel::kWarn, .fd = out.fd()});
  AccessLog access(logger, {.mode = AccessLogMode::kOn});
  access.Record(MakeRequest());
  logger.Flush();
  EXPECT_TRUE(out.Contents().empty());
}

}  // namespace
}  // namespace keel::observe

namespace keel::observe {
namespace {

TEST(LoggerRequestLines, CarryRequestIdAndRoute) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    Logger logger(LogSettings{.level = LogLevel::kInfo, .fd = fds[1]});
    http::RequestContext ctx;
    ctx.Reset("abc-123", Deadline::Never());
    logger.Log(LogLevel::kWarn, "payment slow", ctx, {{"ms", 812}});
    logger.Flush();
  }
  ::close(fds[1]);
  char buf[1024];
  const auto n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  const std::string line(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  EXPECT_NE(
      line.find("\"msg\":\"payment slow\",\"request_id\":\"abc-123\",\"route\":\"<unmatched>\","
                "\"ms\":812"),
      std::string::npos)
      << line;
}

}  // namespace
}  // namespace keel::observe
