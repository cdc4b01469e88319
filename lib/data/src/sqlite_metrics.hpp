// The database's metrics: per role (pool gauges, acquire wait) and per named query.
//
// Names and labels are listed in keel/data/sqlite_database.hpp. All members are thread-safe:
// roles are updated from callers and workers, queries from workers.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "keel/core/clock.hpp"
#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"

namespace keel::data::detail {

// One call's passage through a role's pool, shared by the caller and the worker so that the
// waiter count is decremented exactly once whichever side sees the call leave the queue first.
struct CallState {
  std::atomic<bool> dequeued{false};
};

class RoleMetrics {
 public:
  RoleMetrics(MetricSink& sink, const std::string& db, const std::string& role);

  void SetSize(std::size_t connections);
  void Queued();                                   // caller, before handing to the pool
  void Started(CallState& call, Duration waited);  // worker, before checking out
  void Finished();                                 // worker, after returning the connection
  // Caller, after the pool answered. True when the call left the queue here, i.e. no worker had
  // started it (it was refused or timed out while waiting).
  bool LeftPool(CallState& call);
  [[nodiscard]] Counter& acquire_timeouts() noexcept { return acquire_timeouts_; }
  [[nodiscard]] Counter& prepared() noexcept { return prepared_; }

 private:
  bool Dequeue(CallState& call);
  void SetInUse(int delta);

  Gauge& connections_;
  Gauge& in_use_;
  Gauge& utilization_;
  Gauge& waiters_;
  Histogram& acquire_wait_;
  Counter& acquire_timeouts_;
  Counter& prepared_;
  std::atomic<int> in_use_count_{0};
  std::atomic<std::size_t> size_{0};
};

class QueryMetrics {
 public:
  QueryMetrics(MetricSink& sink, std::string db);

  // A statement that ran: its execution time, and its error if it failed.
  void Ran(std::string_view query, Duration took, const Error* error);
  // A call that failed without running (refused by the pool, deadline while queued).
  void Refused(std::string_view query, ErrorCode code);

 private:
  static constexpr std::size_t kCodes = static_cast<std::size_t>(ErrorCode::kInternal) + 1;
  struct PerQuery {
    Histogram* duration = nullptr;
    std::array<std::atomic<Counter*>, kCodes> errors{};  // obtained on first use
  };
  [[nodiscard]] PerQuery& Get(std::string_view query);
  void CountError(std::string_view query, PerQuery& q, ErrorCode code);

  MetricSink& sink_;
  std::string db_;
  // Read-mostly: a query's metrics are created once, then only looked up.
  std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<PerQuery>, std::less<>> queries_;
};

}  // namespace keel::data::detail
