#include "sqlite_metrics.hpp"

#include <mutex>

namespace keel::data::detail {

RoleMetrics::RoleMetrics(MetricSink& sink, const std::string& db, const std::string& role)
    : connections_(sink.GetGauge("keel_db_connections", "Connections of the pool",
                                 {{"db", db}, {"role", role}})),
      in_use_(sink.GetGauge("keel_db_connections_in_use", "Connections running a call",
                            {{"db", db}, {"role", role}})),
      utilization_(sink.GetGauge("keel_db_pool_utilization",
                                 "Connections in use / connections (0..1); above 0.8 the pool "
                                 "is close to saturation",
                                 {{"db", db}, {"role", role}})),
      waiters_(sink.GetGauge("keel_db_pool_waiters", "Calls waiting for a connection",
                             {{"db", db}, {"role", role}})),
      acquire_wait_(sink.GetHistogram("keel_db_acquire_wait_seconds",
                                      "Time from the call to getting a connection",
                                      {{"db", db}, {"role", role}})),
      acquire_timeouts_(sink.GetCounter("keel_db_acquire_timeouts_total",
                                        "Calls refused: no connection within acquire_timeout",
                                        {{"db", db}, {"role", role}})),
      prepared_(sink.GetCounter("keel_db_statements_prepared_total",
                                "Statements prepared (statement-cache misses)",
                                {{"db", db}, {"role", role}})) {}

void RoleMetrics::SetSize(std::size_t connections) {
  size_.store(connections, std::memory_order_relaxed);
  connections_.Set(static_cast<double>(connections));
}

void RoleMetrics::Queued() {
  waiters_.Add(1);
}

void RoleMetrics::Started(CallState& call, Duration waited) {
  (void)Dequeue(call);
  acquire_wait_.Record(waited);
  SetInUse(+1);
}

void RoleMetrics::Finished() {
  SetInUse(-1);
}

bool RoleMetrics::LeftPool(CallState& call) {
  return Dequeue(call);
}

bool RoleMetrics::Dequeue(CallState& call) {
  if (call.dequeued.exchange(true, std::memory_order_acq_rel)) {
    return false;
  }
  waiters_.Add(-1);
  return true;
}

void RoleMetrics::SetInUse(int delta) {
  const int now = in_use_count_.fetch_add(delta, std::memory_order_relaxed) + delta;
  in_use_.Set(now);
  const std::size_t size = size_.load(std::memory_order_relaxed);
  utilization_.Set(size == 0 ? 0.0 : static_cast<double>(now) / static_cast<double>(size));
}

QueryMetrics::QueryMetrics(MetricSink& sink, std::string db) : sink_(sink), db_(std::move(db)) {}

void QueryMetrics::Ran(std::string_view query, Duration took, const Error* error) {
  PerQuery& q = Get(query);
  q.duration->Record(took);
  if (error != nullptr) {
    CountError(query, q, error->code());
  }
}

void QueryMetrics::Refused(std::string_view query, ErrorCode code) {
  CountError(query, Get(query), code);
}

QueryMetrics::PerQuery& QueryMetrics::Get(std::string_view query) {
  {
    std::shared_lock lock(mutex_);
    if (auto it = queries_.find(query); it != queries_.end()) {
      return *it->second;
    }
  }
  std::unique_lock lock(mutex_);
  auto [it, inserted] = queries_.try_emplace(std::string(query));
  if (inserted) {
    it->second = std::make_unique<PerQuery>();
    it->second->duration = &sink_.GetHistogram("keel_db_query_duration_seconds",
                                               "Statement execution time on its connection",
                                               {{"db", db_}, {"query", std::string(query)}});
  }
  return *it->second;
}

void QueryMetrics::CountError(std::string_view query, PerQuery& q, ErrorCode code) {
  auto& slot = q.errors[static_cast<std::size_t>(code)];
  Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Two threads may both ask the sink; it returns the same counter to both.
    counter = &sink_.GetCounter(
        "keel_db_query_errors_total", "Failed database calls by kind",
        {{"db", db_}, {"query", std::string(query)}, {"kind", ErrorCodeName(code)}});
    slot.store(counter, std::memory_order_release);
  }
  counter->Add();
}

}  // namespace keel::data::detail
