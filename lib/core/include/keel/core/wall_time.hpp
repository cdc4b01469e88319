// keel/core/wall_time.hpp — Unix-millisecond timestamps for stored rows, advanced by a keel::Clock.
//
//   keel::WallTime wall(clock);
//   std::int64_t expires_at = wall.NowMs() + keel::ToMs(ttl);
//
// Thread safety: NowMs() may be called from any thread if the clock may.
#pragma once

#include <chrono>
#include <cstdint>

#include "keel/core/clock.hpp"

namespace keel {

// Rows outlive the process (and the boot), so their times are Unix milliseconds. They advance
// with the injected monotonic clock from an anchor taken at construction: a wall-clock jump while
// the process runs moves no lock or expiry (reliability.md F12), and tests drive them with a
// ManualClock.
class WallTime {
 public:
  explicit WallTime(const Clock& clock)
      : clock_(clock),
        anchor_(clock.Now()),
        anchor_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count()) {}

  [[nodiscard]] std::int64_t NowMs() const noexcept {
    return anchor_ms_ +
           std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - anchor_).count();
  }

 private:
  const Clock& clock_;
  TimePoint anchor_;
  std::int64_t anchor_ms_;
};

[[nodiscard]] inline std::int64_t ToMs(Duration d) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace keel
