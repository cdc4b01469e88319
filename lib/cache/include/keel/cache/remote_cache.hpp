// keel/cache/remote_cache.hpp — the second tier (Redis) a Cache can sit on, as an interface.
//
// Two-tier reads go local -> remote -> loader; a remote hit fills the local tier, a load fills
// both. Values cross the process boundary as bytes, so a two-tier cache also needs a codec for
// V; keys are text (the cache's name + ':' + the key's text form). Only the interface and a null
// implementation exist until the Redis module lands; a Redis implementation will pipeline on
// keel::redis and use SET PX / GET / DEL.
//
//   keel::cache::NullRemoteCache none;
//   auto r = co_await none.Get("products:42", ctx.deadline());  // always a miss (nullopt)
//
// Thread safety: implementations must allow calls from any I/O thread; each call resumes on its
// caller's executor. Every call is bounded by its deadline (kDeadlineExceeded).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "keel/core/clock.hpp"
#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"

namespace keel::cache {

class RemoteCache {
 public:
  virtual ~RemoteCache() = default;
  // The stored bytes, nullopt on a miss. Errors: kUnavailable, kDeadlineExceeded (callers treat
  // a remote error as a miss: the remote tier must never make a read fail).
  virtual boost::asio::awaitable<Result<std::optional<std::string>>> Get(std::string key,
                                                                         Deadline deadline) = 0;
  virtual boost::asio::awaitable<Result<void>> Set(std::string key, std::string value, Duration ttl,
                                                   Deadline deadline) = 0;
  virtual boost::asio::awaitable<Result<void>> Del(std::string key, Deadline deadline) = 0;
};

// No remote tier: every Get misses, Set and Del succeed without effect.
class NullRemoteCache final : public RemoteCache {
 public:
  boost::asio::awaitable<Result<std::optional<std::string>>> Get(std::string, Deadline) override {
    co_return std::optional<std::string>();
  }
  boost::asio::awaitable<Result<void>> Set(std::string, std::string, Duration, Deadline) override {
    co_return Result<void>();
  }
  boost::asio::awaitable<Result<void>> Del(std::string, Deadline) override {
    co_return Result<void>();
  }
};

}  // namespace keel::cache
