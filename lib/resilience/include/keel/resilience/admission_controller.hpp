// keel/resilience/admission_controller.hpp — admission under a concurrency limit, by priority.
//
// One AdmissionController per process guards the business routes. A request is admitted while
// the requests in flight stay under its class's share of the current limit (critical: the whole
// limit; default and sheddable: configurable shares, so sheddable is refused first and critical
// last). Otherwise it waits in a bounded queue served highest class first:
//   - CoDel-style timeout (Facebook "Fail at Scale"): a request may wait `queue_interval`; once
//     the queue has not been empty for `queue_interval` (a standing queue) new arrivals may wait
//     only `queue_target`;
//   - adaptive LIFO: while the queue stands, the newest waiter of a class is served first (its
//     client is most likely still waiting); otherwise FIFO;
//   - a full queue makes room by refusing its oldest waiter of a lower class, if any;
//   - deadline-aware: a request whose remaining deadline is shorter than its route's typical
//     service time is refused at once, and it never waits past the point where that time is left.
// The limit itself comes from a ConcurrencyLimit, fed one sample per finished request.
//
//   keel::resilience::AdmissionController admission(std::make_unique<FixedLimit>(64), {}, clock,
//                                                   sink);
//   auto a = admission.TryAdmit({.priority = keel::Priority::kDefault, .deadline = d});
//   if (a.kind == Admission::Kind::kAdmitted) {
//     keel::resilience::AdmissionPermit permit(admission, a.in_flight);
//     ... run the request ...
//     permit.Finish(/*dropped=*/false);
//   }
//   // kMustQueue: call Enqueue() with an AdmissionWaiter, wait for Wake() or its give_up_at(),
//   // then Finish(); see http/admission_middleware.hpp for the Asio side.
//
// Thread safety: every member is safe from any thread. The uncontended path takes no lock: while
// nobody is queued, TryAdmit claims a slot with a compare-and-swap on the in-flight count below
// its class's threshold, and Release gives it back with one atomic decrement unless the limit
// wants the sample (ConcurrencyLimit::Wants) or someone is queued. Queueing, granting and feeding
// the limit happen behind one mutex held for a few comparisons (and, when a waiter is woken, one
// post to its executor). A waiter that queues re-checks for room after it is visible to releasers,
// so a slot freed meanwhile is never lost. A refusal allocates nothing.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>

#include "keel/core/clock.hpp"
#include "keel/core/deadline.hpp"
#include "keel/core/metrics.hpp"
#include "keel/core/priority.hpp"
#include "keel/resilience/concurrency_limit.hpp"

namespace keel::resilience {

// Why a request was refused (metric label `reason`).
enum class Refusal : std::uint8_t {
  kLimit,         // the limit is reached and the queue is full
  kQueueTimeout,  // it waited in the queue for its whole allowance
  kDeadline,      // too little of its deadline was left for the route's typical service time
  kPriority,      // there was room, but not within its class's share (or it was pushed out of
                  // the queue by a more important request)
};
inline constexpr int kRefusalCount = 4;
// "limit", "queue_timeout", "deadline", "priority".
[[nodiscard]] std::string_view RefusalName(Refusal r) noexcept;

struct AdmissionSettings {
  // The share of the limit each class may fill, indexed by Priority (critical, default,
  // sheddable). Must not increase towards less important classes; critical is normally 1.
  std::array<double, kPriorityCount> shares{1.0, 0.8, 0.5};
  std::size_t queue_size = 100;  // waiting requests; 0 = refuse at once at the limit
  Duration queue_target = std::chrono::milliseconds(5);
  Duration queue_interval = std::chrono::milliseconds(100);
};

struct AdmissionRequest {
  Priority priority = Priority::kDefault;
  Deadline deadline = Deadline::Never();
  // The route's typical service time; nullopt while unknown (no deadline-aware refusal).
  std::optional<Duration> service_time;
};

struct Admission {
  enum class Kind : std::uint8_t {
    kAdmitted,   // run the request, then Release (an AdmissionPermit does it)
    kMustQueue,  // TryAdmit only: no room now; Enqueue() a waiter
    kQueued,     // Enqueue only: wait for Wake() or give_up_at(), then Finish()
    kRefused,
  };
  Kind kind = Kind::kRefused;
  Refusal reason = Refusal::kLimit;  // when kRefused
  int in_flight = 0;                 // when kAdmitted: in flight, this request included
};

class AdmissionController;

// A queued request. Owned by its caller, linked into the controller's queue while queued; it must
// stay alive until Finish() has returned for it.
class AdmissionWaiter {
 public:
  virtual ~AdmissionWaiter() = default;
  // When the waiter stops waiting on its own (valid after Enqueue returned kQueued).
  [[nodiscard]] TimePoint give_up_at() const noexcept { return give_up_at_; }

 protected:
  // Called, with the controller's lock held, once the waiter has been granted a slot or pushed
  // out. It must only arrange for the owner to call Finish() soon (e.g. post to its executor);
  // it must not call back into the controller.
  virtual void Wake() noexcept = 0;

 private:
  friend class AdmissionController;
  enum class State : std::uint8_t { kIdle, kQueued, kGranted, kEvicted, kExpired, kDone };
  AdmissionWaiter* prev_ = nullptr;
  AdmissionWaiter* next_ = nullptr;
  State state_ = State::kIdle;
  Priority priority_ = Priority::kDefault;
  Refusal timeout_reason_ = Refusal::kQueueTimeout;
  int in_flight_ = 0;
  TimePoint enqueued_at_{};
  TimePoint give_up_at_{};
};

class AdmissionController {
 public:
  // `clock` and `sink` must outlive the controller.
  AdmissionController(std::unique_ptr<ConcurrencyLimit> limit, AdmissionSettings settings,
                      const Clock& clock, MetricSink& sink);
  ~AdmissionController();
  AdmissionController(const AdmissionController&) = delete;
  AdmissionController& operator=(const AdmissionController&) = delete;

  // Admits at once, refuses at once, or answers kMustQueue. Never blocks.
  [[nodiscard]] Admission TryAdmit(const AdmissionRequest& request);
  // The same, at `now` (a clock reading the caller already has; the permit can reuse it).
  [[nodiscard]] Admission TryAdmit(const AdmissionRequest& request, TimePoint now);
  // Re-checks (a slot may have freed since TryAdmit) and otherwise queues `waiter`: kAdmitted,
  // kQueued or kRefused (queue full, or the deadline leaves no time to wait).
  [[nodiscard]] Admission Enqueue(AdmissionWaiter& waiter, const AdmissionRequest& request);
  // Ends a wait: after Wake(), at give_up_at(), or early with `cancelled` (the request's
  // deadline cancelled it; counted as kDeadline). kAdmitted or kRefused; a second call for the
  // same wait changes nothing and answers kRefused.
  [[nodiscard]] Admission Finish(AdmissionWaiter& waiter, bool cancelled);
  // A request admitted earlier has finished; `sample` (may be null: no measurement) feeds the
  // limit. Wakes waiters that now fit.
  void Release(const LimitSample* sample);

  [[nodiscard]] const Clock& clock() const noexcept { return clock_; }
  [[nodiscard]] int limit() const;
  [[nodiscard]] int in_flight() const;
  [[nodiscard]] std::size_t queue_depth() const;
  [[nodiscard]] std::uint64_t rejections(Refusal reason, Priority priority) const noexcept;

 private:
  struct List {
    AdmissionWaiter* head = nullptr;
    AdmissionWaiter* tail = nullptr;
  };
  [[nodiscard]] int Threshold(Priority p) const noexcept;
  [[nodiscard]] int ComputeThreshold(Priority p, int limit) const noexcept;
  void RefreshThresholds() noexcept;
  // Takes a slot if in flight stays within `threshold`: the new count, or 0.
  [[nodiscard]] int TryClaim(int threshold) noexcept;
  [[nodiscard]] bool QueuedAtOrAbove(Priority p) const noexcept;
  [[nodiscard]] int AdmitIfRoom(Priority p) noexcept;
  [[nodiscard]] bool Standing(TimePoint now) const noexcept;
  [[nodiscard]] std::optional<Refusal> CheckDeadline(const AdmissionRequest& r,
                                                     TimePoint now) const noexcept;
  [[nodiscard]] Refusal FullReason(Priority p) const noexcept;
  [[nodiscard]] Admission Admitted(int in_flight) noexcept;
  [[nodiscard]] Admission Refuse(Refusal reason, Priority p) noexcept;
  void Link(AdmissionWaiter& w, TimePoint now) noexcept;
  void Unlink(AdmissionWaiter& w, TimePoint now) noexcept;
  // The oldest waiter of the least important class below p: the one a full queue pushes out.
  [[nodiscard]] AdmissionWaiter* LeastImportantWaiterBelow(Priority p) const noexcept;
  bool EvictBelow(Priority p, TimePoint now) noexcept;
  void Grant(TimePoint now) noexcept;
  void PublishGauges() noexcept;

  std::unique_ptr<ConcurrencyLimit> limit_;
  const AdmissionSettings settings_;
  const Clock& clock_;

  mutable std::mutex mutex_;
  // Atomic so that the uncontended path needs no lock; every increment is a compare-and-swap
  // below a threshold, so no path can exceed the limit. depth_ changes only under mutex_.
  std::atomic<int> in_flight_{0};
  std::atomic<std::size_t> depth_{0};
  // Each class's share of limit_->limit(), recomputed under mutex_ whenever the limit moves.
  std::array<std::atomic<int>, kPriorityCount> thresholds_{};
  TimePoint last_empty_{};
  std::array<List, kPriorityCount> queues_{};

  Gauge& limit_gauge_;
  Gauge& in_flight_gauge_;
  Gauge& depth_gauge_;
  Histogram& wait_;
  std::array<std::array<Counter*, kPriorityCount>, kRefusalCount> rejections_{};
};

// RAII for an admitted request: releases its slot exactly once. Finish() records the request's
// latency (from the permit's creation) as a sample; destroying an unfinished permit (an exception,
// a destroyed coroutine) releases it as a dropped sample.
class AdmissionPermit {
 public:
  AdmissionPermit() = default;
  AdmissionPermit(AdmissionController& controller, int in_flight) noexcept
      : controller_(&controller), in_flight_(in_flight), started_(controller.clock().Now()) {}
  // `started`: the admission time the caller already read (saves a clock read).
  AdmissionPermit(AdmissionController& controller, int in_flight, TimePoint started) noexcept
      : controller_(&controller), in_flight_(in_flight), started_(started) {}
  AdmissionPermit(AdmissionPermit&& o) noexcept
      : controller_(std::exchange(o.controller_, nullptr)),
        in_flight_(o.in_flight_),
        started_(o.started_) {}
  AdmissionPermit& operator=(AdmissionPermit&& o) noexcept {
    if (this != &o) {
      Finish(true);
      controller_ = std::exchange(o.controller_, nullptr);
      in_flight_ = o.in_flight_;
      started_ = o.started_;
    }
    return *this;
  }
  ~AdmissionPermit() { Finish(true); }

  // Returns how long the request ran (zero when already finished).
  Duration Finish(bool dropped) noexcept {
    if (controller_ == nullptr) {
      return Duration::zero();
    }
    const TimePoint now = controller_->clock().Now();
    const LimitSample sample{
        .now = now, .rtt = now - started_, .in_flight = in_flight_, .dropped = dropped};
    std::exchange(controller_, nullptr)->Release(&sample);
    return sample.rtt;
  }

 private:
  AdmissionController* controller_ = nullptr;
  int in_flight_ = 0;
  TimePoint started_{};
};

}  // namespace keel::resilience
