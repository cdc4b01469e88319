// keel/idempotency/purger.hpp — keeps the idempotency store bounded.
//
// Every `interval` it calls IdempotencyStore::Purge(): expired records go, then the oldest
// completed ones beyond the row cap. Run one per process that owns the database (several are
// harmless: purges are idempotent deletes).
//
//   keel::idempotency::Purger purger(store, std::chrono::minutes(1), &metrics);
//   purger.Start(runtime.Context(0).get_executor());
//   ...
//   purger.Stop();
//
// Metrics: keel_idempotency_purged_total{reason="expired"|"cap"}, keel_idempotency_keys (rows
// after the last purge), keel_idempotency_purge_errors_total.
// Thread safety: Start once; Stop from any thread. The store must outlive the executor's run.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "keel/core/clock.hpp"
#include "keel/core/metrics.hpp"
#include "keel/idempotency/store.hpp"

namespace keel::idempotency {

class Purger {
 public:
  Purger(IdempotencyStore& store, Duration interval, MetricSink* sink = nullptr);
  ~Purger();  // Stop()
  Purger(const Purger&) = delete;
  Purger& operator=(const Purger&) = delete;

  // Starts the loop on `executor` (first purge after one interval).
  void Start(boost::asio::any_io_executor executor);
  // Stops the loop; a purge in progress finishes. Idempotent.
  void Stop();

  struct State;  // shared with the loop (private to purger.cpp)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace keel::idempotency
