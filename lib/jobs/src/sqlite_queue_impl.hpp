// SqliteJobQueue's state, shared by sqlite_queue.cpp (producers), sqlite_queue_worker.cpp and
// sqlite_queue_admin.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "keel/core/wall_time.hpp"
#include "keel/jobs/sqlite_queue.hpp"

namespace keel::jobs {

class SqliteJobQueue::Impl {
 public:
  Impl(data::Database& db, QueueSettings settings, MetricSink* sink, const Clock* clock);

  [[nodiscard]] std::int64_t NowMs() const noexcept { return wall_.NowMs(); }
  [[nodiscard]] double Uniform01();
  void Notify(std::string_view queue);

  // Per-queue producer counters (created on first use of a queue name).
  struct QueueCounters {
    Counter* enqueued;
    Counter* refused;
    Counter* duplicates;
  };
  QueueCounters& CountersFor(const std::string& queue);

  data::Database& db;
  QueueSettings settings;

 private:
  DiscardingMetricSink own_sink_;
  MetricSink& sink_;
  SteadyClock steady_;
  WallTime wall_;

  std::mutex mutex_;  // guards everything below
  std::mt19937_64 rng_;
  std::function<double()> random_for_test_;
  std::map<std::uint64_t, std::function<void(std::string_view)>> listeners_;
  std::uint64_t next_listener_ = 1;
  std::map<std::string, QueueCounters, std::less<>> counters_;

  friend class SqliteJobQueue;
};

}  // namespace keel::jobs
