#include "keel/resilience/windowed_limit.hpp"

#include <algorithm>

namespace keel::resilience {

WindowedLimit::WindowedLimit(std::unique_ptr<ConcurrencyLimit> delegate,
                             WindowSettings settings) noexcept
    : delegate_(std::move(delegate)), settings_(settings) {}

void WindowedLimit::OnSample(const LimitSample& sample) noexcept {
  if (sample.rtt < settings_.min_rtt) {
    return;
  }
  window_.min_rtt = std::min(window_.min_rtt, sample.rtt);
  window_.sum += sample.rtt;
  window_.max_in_flight = std::max(window_.max_in_flight, sample.in_flight);
  ++window_.count;
  window_.dropped = window_.dropped || sample.dropped;
  if (sample.now <= next_update_) {
    return;
  }
  const Window done = window_;
  window_ = Window{};
  next_update_ = sample.now + std::clamp(done.min_rtt * 2, settings_.min_window,
                                         std::max(settings_.min_window, settings_.max_window));
  if (done.count < settings_.min_samples) {
    return;
  }
  delegate_->OnSample({.now = sample.now,
                       .rtt = done.sum / done.count,
                       .in_flight = done.max_in_flight,
                       .dropped = done.dropped});
}

}  // namespace keel::resilience
