// pacer.hpp — turns a thread's ArrivalSchedule into "what is due now" against a clock.
//
// The worker asks for the due arrivals whenever its timer fires (timers fire late under load);
// every arrival keeps its scheduled time, which is what latency is measured from. Written against
// keel::TimePoint so tests drive it with a ManualClock.
//
//   Pacer pacer(ArrivalSchedule(profile, thread, threads), clock.Now());
//   pacer.TakeDue(clock.Now(), 256, [&](const Arrival& a) { Dispatch(a); });
//   timer.expires_at(*pacer.NextAt());
#pragma once

#include <cstddef>
#include <optional>

#include "keel/core/clock.hpp"
#include "profile.hpp"

namespace keel::load {

class Pacer {
 public:
  Pacer(ArrivalSchedule schedule, TimePoint start) : schedule_(schedule), start_(start) {}

  // Calls f(arrival) for up to `limit` arrivals scheduled at or before `now`, in order.
  template <typename F>
  std::size_t TakeDue(TimePoint now, std::size_t limit, F&& f) {
    std::size_t taken = 0;
    while (taken < limit && !stopped_) {
      const auto next = schedule_.Peek();
      if (!next || start_ + next->at > now) {
        break;
      }
      schedule_.Pop();
      f(*next);
      ++taken;
    }
    return taken;
  }

  // When the next arrival is due; nullopt when the timeline is over or the pacer stopped.
  [[nodiscard]] std::optional<TimePoint> NextAt() const {
    const auto next = schedule_.Peek();
    if (stopped_ || !next) {
      return std::nullopt;
    }
    return start_ + next->at;
  }

  void Stop() noexcept { stopped_ = true; }
  [[nodiscard]] bool done() const { return !NextAt().has_value(); }
  [[nodiscard]] TimePoint start() const noexcept { return start_; }

 private:
  ArrivalSchedule schedule_;
  TimePoint start_;
  bool stopped_ = false;
};

}  // namespace keel::load
