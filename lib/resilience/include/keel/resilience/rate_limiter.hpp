// keel/resilience/rate_limiter.hpp — the rate-limiter interface (per-key GCRA quotas).
//
// LocalRateLimiter keeps the keys in this process; a shared limiter (Redis, with the GCRA step as
// one Lua script reading the server's clock) can implement the same interface later, which is why
// Acquire is asynchronous and may fail.
//
//   keel::Result<RateDecision> d = co_await limiter.Acquire("ip:203.0.113.9", 1, ctx.deadline());
//   if (d && !d->allowed) { ... 429 with Retry-After ... }
//
// Thread safety: implementations are safe from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string_view>

#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/resilience/gcra.hpp"

namespace keel::resilience {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Takes `quantity` units of `key`'s quota. `key` need only live until the call's first
  // suspension. Errors: kUnavailable / kDeadlineExceeded when a shared store cannot answer by
  // `deadline` (callers fail open: a limiter outage must not become an API outage).
  virtual boost::asio::awaitable<Result<RateDecision>> Acquire(std::string_view key,
                                                               std::uint32_t quantity,
                                                               Deadline deadline) = 0;
  [[nodiscard]] virtual const RateQuota& quota() const noexcept = 0;
};

}  // namespace keel::resilience
