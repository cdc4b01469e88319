#include "circuit_breaker_window.hpp"

#include <algorithm>
#include <chrono>

namespace keel::resilience {

namespace {

constexpr std::uint8_t kFailed = 1;
constexpr std::uint8_t kSlow = 2;
constexpr std::uint8_t kUsed = 4;

std::int64_t EpochSecond(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

void Subtract(WindowTotals& from, const WindowTotals& t) {
  from.calls -= t.calls;
  from.failed -= t.failed;
  from.slow -= t.slow;
}

}  // namespace

SlidingWindow::SlidingWindow(bool time_based, std::uint32_t size)
    : time_based_(time_based), size_(std::max<std::uint32_t>(size, 1)) {
  if (time_based_) {
    buckets_.resize(size_);
  } else {
    ring_.resize(size_, 0);
  }
}

void SlidingWindow::Clear() {
  total_ = {};
  std::fill(ring_.begin(), ring_.end(), 0);
  std::fill(buckets_.begin(), buckets_.end(), Bucket{});
  next_ = 0;
  started_ = false;
}

void SlidingWindow::Evict(std::int64_t now_epoch) {
  if (!started_) {
    started_ = true;
    latest_epoch_ = now_epoch;
    for (auto& b : buckets_) {
      b = Bucket{};
    }
    buckets_[static_cast<std::size_t>(now_epoch % size_)].epoch = now_epoch;
    return;
  }
  if (now_epoch <= latest_epoch_) {
    return;  // same second (a steady clock never goes back)
  }
  // Only the buckets between the last second seen and now fall out; at most the whole ring.
  const std::int64_t first =
      std::max(latest_epoch_ + 1, now_epoch - static_cast<std::int64_t>(size_) + 1);
  for (std::int64_t e = first; e <= now_epoch; ++e) {
    Bucket& b = buckets_[static_cast<std::size_t>(e % size_)];
    Subtract(total_, b.totals);
    b = Bucket{.epoch = e, .totals = {}};
  }
  latest_epoch_ = now_epoch;
}

void SlidingWindow::Add(TimePoint now, bool failed, bool slow) {
  const WindowTotals one{.calls = 1, .failed = failed ? 1u : 0u, .slow = slow ? 1u : 0u};
  if (time_based_) {
    const auto epoch = EpochSecond(now);
    Evict(epoch);
    auto& t = buckets_[static_cast<std::size_t>(epoch % size_)].totals;
    t.calls += one.calls;
    t.failed += one.failed;
    t.slow += one.slow;
  } else {
    const std::uint8_t old = ring_[next_];
    if ((old & kUsed) != 0) {
      Subtract(total_, {.calls = 1,
                        .failed = (old & kFailed) != 0 ? 1u : 0u,
                        .slow = (old & kSlow) != 0 ? 1u : 0u});
    }
    ring_[next_] = static_cast<std::uint8_t>(kUsed | (failed ? kFailed : 0) | (slow ? kSlow : 0));
    next_ = (next_ + 1) % size_;
  }
  total_.calls += one.calls;
  total_.failed += one.failed;
  total_.slow += one.slow;
}

WindowTotals SlidingWindow::Totals(TimePoint now) {
  if (time_based_) {
    Evict(EpochSecond(now));
  }
  return total_;
}

}  // namespace keel::resilience
