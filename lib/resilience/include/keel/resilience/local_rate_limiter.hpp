// keel/resilience/local_rate_limiter.hpp — in-process GCRA rate limiter with a bounded key table.
//
// Keys live in shards (one mutex each, so I/O threads rarely meet), each an LRU list. Memory is
// bounded by `max_keys`: idle keys (TAT in the past — exactly equivalent to an absent key) are
// dropped from the LRU end as requests pass, and a full shard evicts its least recently used key
// (which, if still active, forgets that client's debt: the cost of the bound). A refused request
// for an unknown key stores nothing, so a flood of new keys cannot grow the table past the bound.
//
//   keel::resilience::LocalRateLimiter limiter({.count = 100, .period = 1s, .burst = 50},
//                                              {.max_keys = 100000}, clock);
//   keel::resilience::RateDecision d = limiter.AcquireNow("ip:203.0.113.9");
//
// Thread safety: every member is safe from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "keel/core/clock.hpp"
#include "keel/core/metrics.hpp"
#include "keel/resilience/rate_limiter.hpp"

namespace keel::resilience {

struct LocalRateLimiterSettings {
  std::size_t max_keys = 100000;  // total across shards (>= 1)
  std::size_t shards = 16;
};

class LocalRateLimiter final : public RateLimiter {
 public:
  // `clock` (and `keys_gauge`, which tracks the key count; may be null) must outlive this.
  LocalRateLimiter(RateQuota quota, LocalRateLimiterSettings settings, const Clock& clock,
                   Gauge* keys_gauge = nullptr);
  ~LocalRateLimiter() override;
  LocalRateLimiter(const LocalRateLimiter&) = delete;
  LocalRateLimiter& operator=(const LocalRateLimiter&) = delete;

  // The synchronous step (never blocks beyond a shard mutex held for a hash lookup).
  [[nodiscard]] RateDecision AcquireNow(std::string_view key, std::uint32_t quantity = 1);

  boost::asio::awaitable<Result<RateDecision>> Acquire(std::string_view key, std::uint32_t quantity,
                                                       Deadline deadline) override;
  [[nodiscard]] const RateQuota& quota() const noexcept override { return quota_; }

  // Keys currently held.
  [[nodiscard]] std::size_t size() const noexcept {
    return static_cast<std::size_t>(size_.load(std::memory_order_relaxed));
  }
  // Keys evicted while still active (their debt forgotten because the table was full).
  [[nodiscard]] std::uint64_t active_evictions() const noexcept {
    return active_evictions_.load(std::memory_order_relaxed);
  }

 private:
  struct Shard;
  [[nodiscard]] Shard& ShardFor(std::string_view key) const noexcept;

  RateQuota quota_;
  Gcra gcra_;
  const Clock& clock_;
  Gauge* keys_gauge_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<std::int64_t> size_{0};
  std::atomic<std::uint64_t> active_evictions_{0};
};

}  // namespace keel::resilience
