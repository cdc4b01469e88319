#include "keel/resilience/admission_controller.hpp"

#include <algorithm>
#include <string>

#include "keel/core/check.hpp"

namespace keel::resilience {

std::string_view RefusalName(Refusal r) noexcept {
  switch (r) {
    case Refusal::kLimit:
      return "limit";
    case Refusal::kQueueTimeout:
      return "queue_timeout";
    case Refusal::kDeadline:
      return "deadline";
    case Refusal::kPriority:
      return "priority";
  }
  return "limit";
}

namespace {
constexpr std::size_t Index(Priority p) noexcept {
  return static_cast<std::size_t>(p);
}
}  // namespace

AdmissionController::AdmissionController(std::unique_ptr<ConcurrencyLimit> limit,
                                         AdmissionSettings settings, const Clock& clock,
                                         MetricSink& sink)
    : limit_(std::move(limit)),
      settings_(settings),
      clock_(clock),
      last_empty_(clock.Now()),
      limit_gauge_(sink.GetGauge("keel_admission_limit", "Current concurrency limit")),
      in_flight_gauge_(
          sink.GetGauge("keel_admission_in_flight", "Admitted requests not yet finished")),
      depth_gauge_(sink.GetGauge("keel_admission_queue_depth", "Requests waiting for admission")),
      wait_(sink.GetHistogram("keel_admission_queue_wait_seconds",
                              "Time queued requests waited, admitted or refused")) {
  KEEL_CHECK(limit_ != nullptr);
  RefreshThresholds();
  for (int r = 0; r < kRefusalCount; ++r) {
    for (int p = 0; p < kPriorityCount; ++p) {
      rejections_[r][p] = &sink.GetCounter(
          "keel_admission_rejections_total", "Requests refused by admission control",
          {{"reason", std::string(RefusalName(static_cast<Refusal>(r)))},
           {"priority", std::string(PriorityName(static_cast<Priority>(p)))}});
    }
  }
  PublishGauges();
}

AdmissionController::~AdmissionController() {
  KEEL_ASSERT(depth_.load() == 0);  // a waiter outlived its Finish()
}

int AdmissionController::Threshold(Priority p) const noexcept {
  return thresholds_[Index(p)].load(std::memory_order_relaxed);
}

void AdmissionController::RefreshThresholds() noexcept {
  const int limit = limit_->limit();
  for (int p = 0; p < kPriorityCount; ++p) {
    thresholds_[static_cast<std::size_t>(p)].store(
        ComputeThreshold(static_cast<Priority>(p), limit), std::memory_order_relaxed);
  }
}

int AdmissionController::ComputeThreshold(Priority p, int limit) const noexcept {
  const double share = settings_.shares[Index(p)];
  if (share >= 1.0) {
    return limit;
  }
  if (share <= 0.0) {
    return 0;  // the class is switched off
  }
  // At least one slot, so that a small limit does not starve a class completely.
  return std::max(1, static_cast<int>(share * limit));
}

int AdmissionController::TryClaim(int threshold) noexcept {
  int n = in_flight_.load(std::memory_order_relaxed);
  while (n < threshold) {
    if (in_flight_.compare_exchange_weak(n, n + 1)) {
      return n + 1;
    }
  }
  return 0;
}

bool AdmissionController::QueuedAtOrAbove(Priority p) const noexcept {
  for (std::size_t q = 0; q <= Index(p); ++q) {
    if (queues_[q].head != nullptr) {
      return true;
    }
  }
  return false;
}

int AdmissionController::AdmitIfRoom(Priority p) noexcept {
  // Do not overtake waiters of the same or a more important class.
  return QueuedAtOrAbove(p) ? 0 : TryClaim(Threshold(p));
}

bool AdmissionController::Standing(TimePoint now) const noexcept {
  return depth_.load(std::memory_order_relaxed) > 0 &&
         now - last_empty_ >= settings_.queue_interval;
}

std::optional<Refusal> AdmissionController::CheckDeadline(const AdmissionRequest& r,
                                                          TimePoint now) const noexcept {
  if (r.deadline.Expired(now)) {
    return Refusal::kDeadline;
  }
  if (r.service_time && r.deadline.Remaining(now) < *r.service_time) {
    return Refusal::kDeadline;
  }
  return std::nullopt;
}

Refusal AdmissionController::FullReason(Priority p) const noexcept {
  const int in_flight = in_flight_.load();
  const bool room_for_others = in_flight < limit_->limit();
  return room_for_others && in_flight >= Threshold(p) ? Refusal::kPriority : Refusal::kLimit;
}

Admission AdmissionController::Admitted(int in_flight) noexcept {
  // Concurrent updates may publish out of order; the gauge is a sample, the next one corrects it.
  in_flight_gauge_.Set(in_flight);
  return {.kind = Admission::Kind::kAdmitted, .in_flight = in_flight};
}

Admission AdmissionController::Refuse(Refusal reason, Priority p) noexcept {
  rejections_[static_cast<std::size_t>(reason)][Index(p)]->Add();
  return {.kind = Admission::Kind::kRefused, .reason = reason};
}

Admission AdmissionController::TryAdmit(const AdmissionRequest& request) {
  return TryAdmit(request, clock_.Now());
}

Admission AdmissionController::TryAdmit(const AdmissionRequest& request, TimePoint now) {
  if (auto refused = CheckDeadline(request, now)) {
    return Refuse(*refused, request.priority);
  }
  // Fast path: nobody queued, so nobody to overtake; claim a slot without the lock. (A waiter
  // being queued concurrently is overtaken as if this request had come first.)
  if (depth_.load() == 0) {
    if (const int n = TryClaim(Threshold(request.priority))) {
      return Admitted(n);
    }
  }
  std::lock_guard lock(mutex_);
  if (const int n = AdmitIfRoom(request.priority)) {
    return Admitted(n);
  }
  // A full queue with nobody less important to push out refuses here, in the caller's frame-free
  // path: in a sustained overload that is most refusals, and sending each through Enqueue would
  // give it a waiter, a timer and a coroutine frame only to refuse it there.
  if (settings_.queue_size == 0 || (depth_.load() >= settings_.queue_size &&
                                    LeastImportantWaiterBelow(request.priority) == nullptr)) {
    return Refuse(FullReason(request.priority), request.priority);
  }
  return {.kind = Admission::Kind::kMustQueue};
}

Admission AdmissionController::Enqueue(AdmissionWaiter& waiter, const AdmissionRequest& request) {
  KEEL_ASSERT(waiter.state_ == AdmissionWaiter::State::kIdle);
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_.Now();
  if (auto refused = CheckDeadline(request, now)) {
    return Refuse(*refused, request.priority);
  }
  if (const int n = AdmitIfRoom(request.priority)) {
    return Admitted(n);
  }
  if (depth_.load() >= settings_.queue_size && !EvictBelow(request.priority, now)) {
    return Refuse(FullReason(request.priority), request.priority);
  }
  // Facebook's rule: a queue that has not drained for a whole interval is a standing queue, and
  // waiting in it longer than the target only adds latency.
  waiter.give_up_at_ = now + (Standing(now) ? settings_.queue_target : settings_.queue_interval);
  waiter.timeout_reason_ = Refusal::kQueueTimeout;
  if (!request.deadline.IsNever()) {
    // Stop waiting while the route's typical service time still fits in the deadline.
    const TimePoint latest =
        request.deadline.when() - request.service_time.value_or(Duration::zero());
    if (latest <= now) {
      return Refuse(Refusal::kDeadline, request.priority);
    }
    if (latest < waiter.give_up_at_) {
      waiter.give_up_at_ = latest;
      waiter.timeout_reason_ = Refusal::kDeadline;
    }
  }
  waiter.priority_ = request.priority;
  waiter.enqueued_at_ = now;
  Link(waiter, now);
  // A lock-free Release between the check above and Link saw no waiter and granted nothing: now
  // that depth_ shows the waiter, look again (both sides are sequentially consistent, so either
  // that Release sees the waiter or this sees its freed slot). It may grant this very waiter.
  if (in_flight_.load() < Threshold(Priority::kCritical)) {
    Grant(now);
    PublishGauges();
  }
  return {.kind = Admission::Kind::kQueued};
}

void AdmissionController::Link(AdmissionWaiter& w, TimePoint now) noexcept {
  if (depth_.load(std::memory_order_relaxed) == 0) {
    last_empty_ = now;  // it was empty until this moment
  }
  List& list = queues_[Index(w.priority_)];
  w.prev_ = list.tail;
  w.next_ = nullptr;
  (list.tail != nullptr ? list.tail->next_ : list.head) = &w;
  list.tail = &w;
  w.state_ = AdmissionWaiter::State::kQueued;
  depth_gauge_.Set(static_cast<double>(depth_.fetch_add(1) + 1));
}

void AdmissionController::Unlink(AdmissionWaiter& w, TimePoint now) noexcept {
  List& list = queues_[Index(w.priority_)];
  (w.prev_ != nullptr ? w.prev_->next_ : list.head) = w.next_;
  (w.next_ != nullptr ? w.next_->prev_ : list.tail) = w.prev_;
  w.prev_ = w.next_ = nullptr;
  const std::size_t depth = depth_.fetch_sub(1) - 1;
  if (depth == 0) {
    last_empty_ = now;
  }
  depth_gauge_.Set(static_cast<double>(depth));
}

AdmissionWaiter* AdmissionController::LeastImportantWaiterBelow(Priority p) const noexcept {
  for (std::size_t q = kPriorityCount; q-- > Index(p) + 1;) {
    if (queues_[q].head != nullptr) {
      return queues_[q].head;
    }
  }
  return nullptr;
}

bool AdmissionController::EvictBelow(Priority p, TimePoint now) noexcept {
  AdmissionWaiter* victim = LeastImportantWaiterBelow(p);
  if (victim == nullptr) {
    return false;
  }
  Unlink(*victim, now);
  victim->state_ = AdmissionWaiter::State::kEvicted;
  victim->Wake();
  return true;
}

void AdmissionController::Grant(TimePoint now) noexcept {
  const bool lifo = Standing(now);
  for (;;) {
    AdmissionWaiter* w = nullptr;
    for (int p = 0; p < kPriorityCount && w == nullptr; ++p) {
      const List& list = queues_[p];
      if (list.head != nullptr && in_flight_.load() < Threshold(static_cast<Priority>(p))) {
        w = lifo ? list.tail : list.head;
      }
    }
    if (w == nullptr) {
      return;
    }
    int claimed = 0;
    if (now < w->give_up_at_) {
      claimed = TryClaim(Threshold(w->priority_));
      if (claimed == 0) {
        return;  // a lock-free admission took the slot first
      }
    }
    Unlink(*w, now);
    if (claimed == 0) {
      // CoDel drops at dequeue too: its allowance is spent, its timer is about to fire.
      w->state_ = AdmissionWaiter::State::kExpired;
    } else {
      w->in_flight_ = claimed;
      w->state_ = AdmissionWaiter::State::kGranted;
    }
    w->Wake();
  }
}

Admission AdmissionController::Finish(AdmissionWaiter& w, bool cancelled) {
  using State = AdmissionWaiter::State;
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_.Now();
  if (w.state_ == State::kDone || w.state_ == State::kIdle) {
    return {.kind = Admission::Kind::kRefused, .reason = Refusal::kDeadline};
  }
  wait_.Record(now - w.enqueued_at_);
  const State state = std::exchange(w.state_, State::kDone);
  switch (state) {
    case State::kGranted:
      if (!cancelled) {
        return {.kind = Admission::Kind::kAdmitted, .in_flight = w.in_flight_};
      }
      in_flight_.fetch_sub(1);  // granted, but its deadline cancelled it before it could run
      Grant(now);
      PublishGauges();
      return Refuse(Refusal::kDeadline, w.priority_);
    case State::kEvicted:
      return Refuse(Refusal::kPriority, w.priority_);
    case State::kExpired:
      return Refuse(w.timeout_reason_, w.priority_);
    case State::kQueued:
      Unlink(w, now);
      return Refuse(cancelled ? Refusal::kDeadline : w.timeout_reason_, w.priority_);
    default:
      return Refuse(Refusal::kDeadline, w.priority_);
  }
}

void AdmissionController::Release(const LimitSample* sample) {
  if (sample == nullptr || !limit_->Wants(*sample)) {
    // Fast path: nothing for the limit; the lock only if someone may be waiting for this slot
    // (sequentially consistent against Enqueue's Link-then-recheck).
    const int left = in_flight_.fetch_sub(1) - 1;
    KEEL_ASSERT(left >= 0);
    in_flight_gauge_.Set(left);
    if (depth_.load() == 0) {
      return;
    }
    std::lock_guard lock(mutex_);
    Grant(sample != nullptr ? sample->now : clock_.Now());
    PublishGauges();
    return;
  }
  std::lock_guard lock(mutex_);
  KEEL_ASSERT(in_flight_.load(std::memory_order_relaxed) > 0);
  in_flight_.fetch_sub(1);
  limit_->OnSample(*sample);
  RefreshThresholds();
  Grant(sample->now);
  PublishGauges();
}

void AdmissionController::PublishGauges() noexcept {
  limit_gauge_.Set(limit_->limit());
  in_flight_gauge_.Set(in_flight_.load(std::memory_order_relaxed));
}

int AdmissionController::limit() const {
  std::lock_guard lock(mutex_);
  return limit_->limit();
}

int AdmissionController::in_flight() const {
  return in_flight_.load();
}

std::size_t AdmissionController::queue_depth() const {
  return depth_.load();
}

std::uint64_t AdmissionController::rejections(Refusal reason, Priority priority) const noexcept {
  return rejections_[static_cast<std::size_t>(reason)][Index(priority)]->Value();
}

}  // namespace keel::resilience
