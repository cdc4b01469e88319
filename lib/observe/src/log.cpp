#include "keel/observe/log.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <new>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "keel/core/json_string.hpp"
#include "keel/core/stage_account.hpp"
#include "text.hpp"

namespace keel::observe {

std::string_view LogLevelName(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

namespace {

// Access-log field of each stage's time, in Stage order (StageName plus the unit).
constexpr std::array<std::string_view, kStageCount> kStageFieldNames = {
    "read_ms", "queue_ms", "app_ms", "write_ms", "db_ms", "cache_ms", "upstream_ms"};

// RFC 3339 UTC with milliseconds: "2026-11-23T09:04:27.123Z".
void AppendTimestamp(std::string& out, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(now);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  char buf[32];
  const auto two = [&](char* at, unsigned v) {
    at[0] = static_cast<char>('0' + v / 10 % 10);
    at[1] = static_cast<char>('0' + v % 10);
  };
  const auto year = static_cast<unsigned>(static_cast<int>(ymd.year()));
  two(buf, year / 100);
  two(buf + 2, year % 100);
  buf[4] = '-';
  two(buf + 5, static_cast<unsigned>(ymd.month()));
  buf[7] = '-';
  two(buf + 8, static_cast<unsigned>(ymd.day()));
  buf[10] = 'T';
  two(buf + 11, static_cast<unsigned>(hms.hours().count()));
  buf[13] = ':';
  two(buf + 14, static_cast<unsigned>(hms.minutes().count()));
  buf[16] = ':';
  two(buf + 17, static_cast<unsigned>(hms.seconds().count()));
  buf[19] = '.';
  const auto millis = static_cast<unsigned>(hms.subseconds().count());
  buf[20] = static_cast<char>('0' + millis / 100);
  two(buf + 21, millis % 100);
  buf[23] = 'Z';
  out.append(buf, 24);
}

// Writes all of `data`; returns how many bytes made it (less than the size only on an error
// that retrying cannot fix).
std::size_t WriteAll(int fd, std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // A non-blocking descriptor: this is the writer thread, so waiting here is fine.
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, -1);
    } else {
      break;
    }
  }
  return done;
}

}  // namespace

// --- Logger --------------------------------------------------------------------------------

struct Logger::Queue {
  Queue(int fd, std::size_t capacity, Counter& dropped)
      : fd(fd), capacity(std::max<std::size_t>(capacity, 1)), dropped(dropped) {
    writer = std::thread([this] { Drain(); });
  }

  ~Queue() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    wake.notify_one();
    writer.join();
  }

  // False when the queue is full (the line was not taken).
  bool Push(std::string&& line) {
    bool was_empty = false;
    {
      std::lock_guard lock(mu);
      if (pending.size() >= capacity) {
        return false;
      }
      was_empty = pending.empty();
      pending.push_back(std::move(line));
      ++accepted;
    }
    // Only the first line of a batch can find the writer asleep; skipping the rest saves a
    // futex call per line.
    if (was_empty) {
      wake.notify_one();
    }
    return true;
  }

  void Flush() {
    std::unique_lock lock(mu);
    const std::uint64_t target = accepted;
    done.wait(lock, [&] { return handled >= target; });
  }

  void Drain() {
    std::vector<std::string> batch;
    std::string buffer;
    for (;;) {
      {
        std::unique_lock lock(mu);
        wake.wait(lock, [&] { return !pending.empty() || stopping; });
        if (pending.empty()) {
          // Stopping, and everything accepted has been written.
          return;
        }
        batch.swap(pending);  // hands the previous batch's (empty) capacity back to producers
      }
      buffer.clear();
      for (const auto& line : batch) {
        buffer += line;
      }
      const std::size_t written = WriteAll(fd, buffer);
      if (written < buffer.size()) {
        // Count the lines that did not make it out completely.
        std::size_t end = 0;
        std::uint64_t lost = 0;
        for (const auto& line : batch) {
          end += line.size();
          if (end > written) {
            ++lost;
          }
        }
        dropped.Add(lost);
      }
      const std::uint64_t n = batch.size();
      batch.clear();
      {
        std::lock_guard lock(mu);
        handled += n;
      }
      done.notify_all();
    }
  }

  const int fd;
  const std::size_t capacity;
  Counter& dropped;
  std::mutex mu;
  std::condition_variable wake;  // producers and the destructor -> writer
  std::condition_variable done;  // writer -> Flush()
  std::vector<std::string> pending;
  std::uint64_t accepted = 0;  // lines queued so far
  std::uint64_t handled = 0;   // lines the writer has finished with
  bool stopping = false;
  std::thread writer;  // last: starts once everything above exists
};

Logger::Logger(LogSettings settings, MetricSink* metrics)
    : level_(settings.level),
      dropped_(metrics != nullptr
                   ? &metrics->GetCounter("keel_log_dropped_total",
                                          "Log lines dropped because the log queue was full or "
                                          "the log descriptor failed.")
                   : &own_dropped_),
      queue_(std::make_unique<Queue>(settings.fd, settings.queue_capacity, *dropped_)) {}

Logger::~Logger() = default;

void Logger::Log(LogLevel level, std::string_view msg,
                 std::initializer_list<LogField> fields) noexcept {
  if (Enabled(level)) {
    Write(level, msg, std::span<const LogField>(fields.begin(), fields.size()));
  }
}

void Logger::Log(LogLevel level, std::string_view msg, std::span<const LogField> fields) noexcept {
  if (Enabled(level)) {
    Write(level, msg, fields);
  }
}

void Logger::Log(LogLevel level, std::string_view msg, const http::RequestContext& request,
                 std::initializer_list<LogField> fields) noexcept {
  if (!Enabled(level)) {
    return;
  }
  try {
    std::vector<LogField> all;
    all.reserve(fields.size() + 2);
    all.emplace_back("request_id", request.request_id());
    all.emplace_back("route", request.route());
    all.insert(all.end(), fields.begin(), fields.end());
    Write(level, msg, all);
  } catch (...) {
    dropped_->Add();  // out of memory: lose the line, never the request
  }
}

void Logger::Write(LogLevel level, std::string_view msg,
                   std::span<const LogField> fields) noexcept {
  try {
    std::string line;
    line.reserve(128 + msg.size() + fields.size() * 32);
    line += "{\"ts\":\"";
    AppendTimestamp(line, std::chrono::system_clock::now());
    line += "\",\"level\":\"";
    line += LogLevelName(level);
    line += "\",\"msg\":";
    AppendJsonString(line, msg);
    for (const LogField& field : fields) {
      line += ',';
      AppendJsonString(line, field.key_);
      line += ':';
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
              AppendJsonString(line, v);
            } else if constexpr (std::is_same_v<T, bool>) {
              line += v ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
              if (!std::isfinite(v)) {
                line += "null";
              } else if (field.decimals_ >= 0) {
                detail::AppendFixed(line, v, std::min(field.decimals_, 17));
              } else {
                detail::AppendDouble(line, v);
              }
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
              detail::AppendInt(line, v);
            } else {
              detail::AppendUint(line, v);
            }
          },
          field.value_);
    }
    line += "}\n";
    if (!queue_->Push(std::move(line))) {
      dropped_->Add();
    }
  } catch (const std::bad_alloc&) {
    dropped_->Add();  // memory is short: the line is the cheapest thing to give up
  }
}

void Logger::Flush() {
  queue_->Flush();
}

// --- AccessLog -----------------------------------------------------------------------------

AccessLog::AccessLog(Logger& logger, AccessLogSettings settings) noexcept
    : logger_(logger), settings_(settings) {
  settings_.sample_rate =
      std::isnan(settings_.sample_rate) ? 0.0 : std::clamp(settings_.sample_rate, 0.0, 1.0);
}

bool AccessLog::ShouldLog(const http::CompletedRequest& request) noexcept {
  if (settings_.mode == AccessLogMode::kOff) {
    return false;
  }
  if (request.admin && !settings_.include_admin) {
    return false;
  }
  if (settings_.mode == AccessLogMode::kOn || request.status >= 500) {
    return true;
  }
  // Request n is logged when floor((n + 1) * rate) > floor(n * rate): exactly `rate` of any run
  // of requests, evenly spread, and reproducible in tests.
  const std::uint64_t n =
      sampled_[keel::detail::ThisThreadShard()].seen.fetch_add(1, std::memory_order_relaxed);
  const double rate = settings_.sample_rate;
  return std::floor(static_cast<double>(n + 1) * rate) > std::floor(static_cast<double>(n) * rate);
}

void AccessLog::Record(const http::CompletedRequest& request) noexcept {
  if (!logger_.Enabled(LogLevel::kInfo) || !ShouldLog(request)) {
    return;
  }
  const auto ms = [](std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; };
  // The request's fields, then its latency-budget account: the time of each stage that ran, and
  // the number of database queries, so a slow request's line says where its time went.
  constexpr std::size_t kBaseFields = 9;
  std::array<LogField, kBaseFields + kStageCount + 1> fields{
      LogField("request_id", request.request_id), LogField("route", request.route),
      LogField("method", request.method_text),    LogField("path", request.target),
      LogField("status", request.status),         LogField("duration_ms", ms(request.duration), 3),
      LogField("bytes", request.bytes_out),       LogField("bytes_in", request.bytes_in),
      LogField("remote", request.remote_addr)};
  std::size_t used = kBaseFields;
  if (request.stages != nullptr) {
    for (std::size_t i = 0; i < kStageCount; ++i) {
      const auto stage = static_cast<Stage>(i);
      if (request.stages->Count(stage) > 0) {
        fields[used++] = LogField(kStageFieldNames[i], ms(request.stages->Total(stage)), 3);
      }
    }
    if (const std::uint32_t queries = request.stages->Count(Stage::kDb); queries > 0) {
      fields[used++] = LogField("db_queries", queries);
    }
  }
  logger_.Log(LogLevel::kInfo, "request", std::span<const LogField>(fields.data(), used));
}

}  // namespace keel::observe
