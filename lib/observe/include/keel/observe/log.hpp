// keel/observe/log.hpp — structured JSON-lines logging, written off the I/O threads.
//
// Logger formats each line on the calling thread and hands it to a bounded queue that a
// background thread drains to a file descriptor, so an I/O thread never waits for a slow disk or
// pipe. When the queue is full the line is dropped and counted (keel_log_dropped_total): losing a
// log line is better than stalling every request behind it. AccessLog turns finished requests
// into "request" lines, optionally sampled.
//
//   using keel::observe::LogLevel;
//   keel::observe::Logger logger({.level = LogLevel::kInfo, .fd = 1}, &registry);
//   logger.Log(LogLevel::kWarn, "pool exhausted", {{"pool", "db"}, {"waiters", 12}});
//   // {"ts":"2026-11-23T09:04:27.123Z","level":"warn","msg":"pool exhausted","pool":"db",...}
//
//   keel::observe::AccessLog access(logger, {.mode = keel::observe::AccessLogMode::kSampled,
//                                            .sample_rate = 0.1});
//
// Thread safety: Logger and AccessLog are safe from any thread.
#pragma once

#include <array>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <variant>

#include "keel/core/metrics.hpp"
#include "keel/http/context.hpp"
#include "keel/http/request_observer.hpp"

namespace keel::observe {

enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarn, kError };

// "debug", "info", "warn", "error".
[[nodiscard]] std::string_view LogLevelName(LogLevel level) noexcept;

// One key/value of a log line. Holds views: it lives only for the Log() call that formats it.
class LogField {
 public:
  LogField() noexcept = default;  // a slot of a field array filled at run time
  LogField(std::string_view key, std::string_view value) noexcept : key_(key), value_(value) {}
  // Without this overload a string literal would convert to bool, not to string_view.
  LogField(std::string_view key, const char* value) noexcept
      : key_(key), value_(std::string_view(value)) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) LogField(std::string_view key, T value)
  noexcept : key_(key) {
    if constexpr (std::signed_integral<T>) {
      value_ = static_cast<std::int64_t>(value);
    } else {
      value_ = static_cast<std::uint64_t>(value);
    }
  }
  // `decimals` < 0: the shortest text that reads back as `value`; otherwise fixed notation.
  // NaN and infinities (not JSON numbers) are written as null.
  LogField(std::string_view key, double value, int decimals = -1) noexcept
      : key_(key), value_(value), decimals_(decimals) {}
  LogField(std::string_view key, bool value) noexcept : key_(key), value_(value) {}

 private:
  friend class Logger;
  std::string_view key_;
  std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool> value_;
  int decimals_ = -1;
};

struct LogSettings {
  LogLevel level = LogLevel::kInfo;   // lines below this level are skipped before formatting
  int fd = 2;                         // written with write(2); not owned, must outlive the Logger
  std::size_t queue_capacity = 8192;  // lines waiting for the writer thread before dropping
};

class Logger {
 public:
  // `metrics` (optional) receives keel_log_dropped_total.
  explicit Logger(LogSettings settings, MetricSink* metrics = nullptr);
  // Writes every accepted line, then stops the writer thread.
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  [[nodiscard]] bool Enabled(LogLevel level) const noexcept { return level >= level_; }

  // Never blocks on I/O: formats the line and queues it, or drops it when the queue is full.
  void Log(LogLevel level, std::string_view msg,
           std::initializer_list<LogField> fields = {}) noexcept;
  // The same with a field list built at run time.
  void Log(LogLevel level, std::string_view msg, std::span<const LogField> fields) noexcept;
  // A line about one request: carries its request_id and route before `fields`, so every line a
  // request causes can be found by its id.
  void Log(LogLevel level, std::string_view msg, const http::RequestContext& request,
           std::initializer_list<LogField> fields = {}) noexcept;

  // Returns once every line accepted before the call has been handed to the file descriptor.
  void Flush();

  // Lines lost to a full queue (or a failing descriptor) so far.
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_->Value(); }

 private:
  struct Queue;
  void Write(LogLevel level, std::string_view msg, std::span<const LogField> fields) noexcept;
  LogLevel level_;
  Counter own_dropped_;  // used when no sink was given
  Counter* dropped_;
  std::unique_ptr<Queue> queue_;
};

enum class AccessLogMode : std::uint8_t {
  kOff,
  kOn,
  kSampled,  // a sample_rate share of requests, and every response with status >= 500
};

struct AccessLogSettings {
  AccessLogMode mode = AccessLogMode::kOn;
  double sample_rate = 1.0;    // kSampled only; clamped to 0..1
  bool include_admin = false;  // health checks and scrapes are noise in most access logs
};

// Writes one info-level "request" line per finished request, with the fields request_id, route,
// method, path, status, duration_ms, bytes (response body), bytes_in and remote.
class AccessLog {
 public:
  AccessLog(Logger& logger, AccessLogSettings settings) noexcept;

  void Record(const http::CompletedRequest& request) noexcept;

  // Whether `request` is to be logged under the mode and sampling (advances the sampler).
  [[nodiscard]] bool ShouldLog(const http::CompletedRequest& request) noexcept;

 private:
  // Per-shard sequence numbers: sampling stays deterministic per thread without every I/O
  // thread contending on one counter.
  struct alignas(64) SampleCounter {
    std::atomic<std::uint64_t> seen{0};
  };
  Logger& logger_;
  AccessLogSettings settings_;
  std::array<SampleCounter, keel::detail::kMetricShards> sampled_{};
};

}  // namespace keel::observe
