// keel/core/deadline.hpp — the point in time by which a piece of work must be done.
//
// A request gets a Deadline when it arrives (its route's latency budget, tightened by a client's
// deadline header); every wait below it — admission, pool acquire, query, cache load, upstream
// call — is bounded by it. Deadlines only ever tighten: Tighten() keeps the earlier one.
//
//   keel::Deadline d = keel::Deadline::After(std::chrono::seconds(1));
//   auto r = co_await pool.Run([] { return Work(); }, d);  // kDeadlineExceeded when late
#pragma once

#include <algorithm>
#include <chrono>

#include "keel/core/clock.hpp"

namespace keel {

class Deadline {
 public:
  // No deadline at all (waits are bounded only by their own timeouts).
  [[nodiscard]] static Deadline Never() noexcept { return Deadline(TimePoint::max()); }
  [[nodiscard]] static Deadline At(TimePoint when) noexcept { return Deadline(when); }
  [[nodiscard]] static Deadline After(Duration d,
                                      TimePoint now = std::chrono::steady_clock::now()) {
    return Deadline(now + d);
  }

  [[nodiscard]] TimePoint when() const noexcept { return when_; }
  [[nodiscard]] bool IsNever() const noexcept { return when_ == TimePoint::max(); }
  [[nodiscard]] bool Expired(TimePoint now = std::chrono::steady_clock::now()) const noexcept {
    return now >= when_;
  }
  // Time left (zero when expired; Duration::max() when never).
  [[nodiscard]] Duration Remaining(
      TimePoint now = std::chrono::steady_clock::now()) const noexcept {
    if (IsNever()) {
      return Duration::max();
    }
    return now >= when_ ? Duration::zero() : when_ - now;
  }
  // The earlier of this deadline and `other`.
  [[nodiscard]] Deadline Tighten(Deadline other) const noexcept {
    return Deadline(std::min(when_, other.when_));
  }
  // The earlier of this deadline and `now + d` (e.g. a per-operation timeout inside a request).
  [[nodiscard]] Deadline TightenBy(
      Duration d, TimePoint now = std::chrono::steady_clock::now()) const noexcept {
    return Tighten(After(d, now));
  }

  friend bool operator==(Deadline a, Deadline b) noexcept { return a.when_ == b.when_; }

 private:
  explicit Deadline(TimePoint when) noexcept : when_(when) {}
  TimePoint when_;
};

}  // namespace keel
