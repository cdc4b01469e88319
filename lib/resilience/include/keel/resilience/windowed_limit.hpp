// keel/resilience/windowed_limit.hpp — feeds a limit one aggregated sample per time window.
//
// Per-request samples are noisy, and updating on each one makes the limit's speed depend on the
// request rate. WindowedLimit (Netflix concurrency-limits' WindowedLimit with its average sample
// window) collects samples for a window of max(min_window, min(2 * lowest RTT, max_window)) and
// then passes the delegate one sample: the mean RTT, the highest in-flight count, and whether
// any request was dropped. A window with fewer than `min_samples` samples is discarded, and
// samples faster than `min_rtt` (cache hits, trivial handlers) are ignored.
//
//   auto limit = std::make_unique<keel::resilience::WindowedLimit>(
//       std::make_unique<keel::resilience::Gradient2Limit>(keel::resilience::Gradient2Settings{}),
//       keel::resilience::WindowSettings{});
//
// Thread safety: none (see concurrency_limit.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "keel/resilience/concurrency_limit.hpp"

namespace keel::resilience {

struct WindowSettings {
  Duration min_window = std::chrono::seconds(1);
  Duration max_window = std::chrono::seconds(1);
  int min_samples = 10;
  Duration min_rtt = std::chrono::microseconds(100);
};

class WindowedLimit final : public ConcurrencyLimit {
 public:
  WindowedLimit(std::unique_ptr<ConcurrencyLimit> delegate, WindowSettings settings) noexcept;
  [[nodiscard]] int limit() const noexcept override { return delegate_->limit(); }
  void OnSample(const LimitSample& sample) noexcept override;
  // Samples faster than min_rtt are ignored outright (not even their time is looked at).
  [[nodiscard]] bool Wants(const LimitSample& sample) const noexcept override {
    return sample.rtt >= settings_.min_rtt;
  }

  [[nodiscard]] const ConcurrencyLimit& delegate() const noexcept { return *delegate_; }

 private:
  struct Window {
    Duration min_rtt = Duration::max();
    Duration sum{0};
    int max_in_flight = 0;
    int count = 0;
    bool dropped = false;
  };

  std::unique_ptr<ConcurrencyLimit> delegate_;
  WindowSettings settings_;
  Window window_;
  TimePoint next_update_{};
};

}  // namespace keel::resilience
