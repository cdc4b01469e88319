// circuit_breaker_window.hpp — the circuit breaker's sliding windows (private).
//
// resilience4j's two windows: COUNT_BASED keeps the outcomes of the last N calls in a ring;
// TIME_BASED keeps one bucket per epoch second for the last N seconds plus a running total from
// which evicted buckets are subtracted ("subtract-on-evict"), so a snapshot is O(1) amortised and
// the window only moves when a call is recorded or a snapshot is taken (no timer).
//
// Thread safety: none; the breaker serialises access.
#pragma once

#include <cstdint>
#include <vector>

#include "keel/core/clock.hpp"

namespace keel::resilience {

struct WindowTotals {
  std::uint64_t calls = 0;
  std::uint64_t failed = 0;
  std::uint64_t slow = 0;
};

class SlidingWindow {
 public:
  // time_based: `size` seconds; otherwise `size` calls. size >= 1.
  SlidingWindow(bool time_based, std::uint32_t size);

  void Add(TimePoint now, bool failed, bool slow);
  [[nodiscard]] WindowTotals Totals(TimePoint now);
  void Clear();

 private:
  struct Bucket {
    std::int64_t epoch = 0;  // time-based: the second this bucket counts
    WindowTotals totals;
  };
  void Evict(std::int64_t now_epoch);

  bool time_based_;
  std::uint32_t size_;
  WindowTotals total_;
  // Count-based: one outcome per slot (bit 0 failed, bit 1 slow, bit 2 used).
  std::vector<std::uint8_t> ring_;
  std::uint32_t next_ = 0;
  // Time-based: one bucket per second, index epoch % size.
  std::vector<Bucket> buckets_;
  std::int64_t latest_epoch_ = 0;
  bool started_ = false;
};

}  // namespace keel::resilience
