// keel/resilience/bulkhead.hpp — a dependency's own concurrency limit, so it cannot sink the ship.
//
// Without one, a slow dependency accumulates in-flight calls until they hold every connection,
// every coroutine and the server's whole latency budget — and calls to healthy dependencies
// suffer with it. A Bulkhead caps the calls in flight to one dependency (process-wide, across I/O
// threads) and lets a bounded number wait a bounded time for a slot: max_queue waiters, each at
// most max_wait and never past its deadline. Refusal is immediate and cheap: kOverloaded with
// retry_after (the server answers 503), or kDeadlineExceeded when the deadline came first.
//
//   keel::resilience::Bulkhead bulkhead({.name = "recs", .max_concurrent = 32}, sink);
//   auto permit = co_await bulkhead.Acquire(ctx.deadline());
//   if (!permit) co_return permit.error();
//   ... the call; the permit is released when it goes out of scope ...
//
// Metrics (label dependency): keel_bulkhead_in_use, keel_bulkhead_waiting (gauges),
// keel_bulkhead_rejections_total{reason=full|timeout}, keel_bulkhead_wait_seconds.
//
// Thread safety: Acquire/TryAcquire from any coroutine on any thread; waiters are woken on their
// own executor (FIFO). A permit may be released on any thread. Cancelling a waiting coroutine
// ends its wait at once (kCancelled).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"

namespace keel::resilience {

struct BulkheadSettings {
  std::string name = "dependency";  // the `dependency` metric label
  std::size_t max_concurrent = 64;  // calls in flight at once
  std::size_t max_queue = 64;       // calls waiting for a slot; past this: refused at once
  Duration max_wait = std::chrono::milliseconds(50);  // 0: never wait
  std::chrono::seconds retry_after{1};
};

class Bulkhead;

// One slot; released on destruction. Move-only.
class BulkheadPermit {
 public:
  BulkheadPermit() = default;
  BulkheadPermit(BulkheadPermit&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)) {}
  BulkheadPermit& operator=(BulkheadPermit&& o) noexcept;
  ~BulkheadPermit();

 private:
  friend class Bulkhead;
  explicit BulkheadPermit(Bulkhead* owner) noexcept : owner_(owner) {}
  Bulkhead* owner_ = nullptr;
};

class Bulkhead {
 public:
  Bulkhead(BulkheadSettings settings, MetricSink& sink);
  ~Bulkhead();
  Bulkhead(const Bulkhead&) = delete;
  Bulkhead& operator=(const Bulkhead&) = delete;

  // A slot now, or kOverloaded. Never waits.
  [[nodiscard]] Result<BulkheadPermit> TryAcquire();
  // A slot, waiting at most min(max_wait, deadline) behind at most max_queue others.
  // kOverloaded (queue full or max_wait passed), kDeadlineExceeded, kCancelled.
  [[nodiscard]] boost::asio::awaitable<Result<BulkheadPermit>> Acquire(Deadline deadline);

  [[nodiscard]] std::size_t in_use() const;
  [[nodiscard]] std::size_t waiting() const;
  [[nodiscard]] const BulkheadSettings& settings() const noexcept { return settings_; }

 private:
  friend class BulkheadPermit;
  struct Waiter;
  void Release();
  [[nodiscard]] Error Refusal(std::string_view why) const;
  [[nodiscard]] boost::asio::awaitable<Result<BulkheadPermit>> Wait(Deadline deadline);
  void Abandon(const std::shared_ptr<Waiter>& w);

  BulkheadSettings settings_;
  mutable std::mutex mu_;
  std::size_t in_use_ = 0;
  std::deque<std::shared_ptr<Waiter>> waiters_;
  Gauge* in_use_gauge_;
  Gauge* waiting_gauge_;
  Counter* rejected_full_;
  Counter* rejected_timeout_;
  Histogram* wait_;
};

}  // namespace keel::resilience
