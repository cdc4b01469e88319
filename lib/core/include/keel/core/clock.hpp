// keel/core/clock.hpp — the time source policies are written against.
//
// Policies (limiters, breakers, caches) take a `const Clock&` so that tests drive them with a
// ManualClock instead of sleeping. SteadyClock is the production clock.
#pragma once

#include <atomic>
#include <chrono>

namespace keel {

using Duration = std::chrono::steady_clock::duration;
using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint Now() const noexcept = 0;
};

class SteadyClock final : public Clock {
 public:
  [[nodiscard]] TimePoint Now() const noexcept override { return std::chrono::steady_clock::now(); }
};

// A clock that moves only when told to; thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : now_(start.time_since_epoch().count()) {}
  [[nodiscard]] TimePoint Now() const noexcept override {
    return TimePoint(Duration(now_.load(std::memory_order_acquire)));
  }
  void Advance(Duration d) noexcept { now_.fetch_add(d.count(), std::memory_order_acq_rel); }

 private:
  std::atomic<Duration::rep> now_;
};

}  // namespace keel
