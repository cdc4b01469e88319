// keel/cache/single_flight.hpp — one load per key at a time; every caller gets its result.
//
// Join(key) makes the first caller the leader of a new Flight and every later caller (until the
// leader finishes) a follower of the same one. Each caller then awaits Flight::Wait with its own
// deadline: the one whose deadline passes leaves with kDeadlineExceeded while the flight goes on
// for the others (golang/sync singleflight, with per-waiter deadlines). Errors are shared like
// values; nothing is cached here (that is the cache's job). Forget(key) detaches a running
// flight: later callers start a new one, and the old one's leader learns it should not store
// its result (it may have read data older than the write that caused the Forget).
//
//   auto [flight, leader] = flights.Join(key);
//   if (leader) {
//     co_spawn(ex, [&flights, key, flight]() -> awaitable<void> {
//       flights.Finish(key, flight, co_await Load(key));
//     }, detached);
//   }
//   Result<V> r = co_await flight->Wait(ctx.deadline());
//
// Thread safety: every member from any thread. Waiters may be on different I/O threads; each is
// resumed on its own coroutine's executor (the completing thread only posts to it).
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "keel/cache/detail/support.hpp"
#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"

namespace keel::cache {

template <typename V>
class Flight {
 public:
  // The flight's outcome, or kDeadlineExceeded when `deadline` passes first, or kCancelled when
  // the awaiting coroutine is cancelled (its cancellation slot). Resumes on the caller's executor.
  boost::asio::awaitable<Result<V>> Wait(Deadline deadline);
  // Delivers the outcome to every waiter (and to later Wait calls). Once; any thread.
  void Complete(Result<V> outcome);

  // SingleFlight::Forget detached this flight while it ran.
  [[nodiscard]] bool forgotten() const noexcept {
    return forgotten_.load(std::memory_order_acquire);
  }
  void MarkForgotten() noexcept { forgotten_.store(true, std::memory_order_release); }

 private:
  // A waiting coroutine: its timer, on its own executor, is both the deadline and the wake-up
  // event (Complete cancels it from a handler posted to that executor).
  struct Waiter {
    Waiter(const boost::asio::any_io_executor& executor, TimePoint expiry)
        : event(executor, expiry) {}
    boost::asio::steady_timer event;
    std::optional<Result<V>> outcome;
  };

  std::mutex mutex_;
  std::optional<Result<V>> outcome_;
  std::vector<std::shared_ptr<Waiter>> waiters_;
  std::atomic<bool> forgotten_{false};
};

template <typename K, typename V, typename Hash = std::hash<K>>
class SingleFlight {
 public:
  struct Joined {
    std::shared_ptr<Flight<V>> flight;
    bool leader = false;
  };

  [[nodiscard]] Joined Join(const K& key);
  // The leader's last act: forgets the flight (unless Forget did) and completes it.
  void Finish(const K& key, const std::shared_ptr<Flight<V>>& flight, Result<V> outcome);
  // Detaches the key's running flight (see above). False when none was running.
  bool Forget(const K& key);
  void ForgetAll();
  [[nodiscard]] std::size_t in_flight();

 private:
  struct Shard {
    std::mutex mutex;
    std::unordered_map<K, std::shared_ptr<Flight<V>>, Hash> flights;
  };
  Shard& ShardFor(const K& key) {
    return shards_[detail::Mix64(static_cast<std::uint64_t>(Hash{}(key))) % shards_.size()];
  }
  std::array<Shard, 16> shards_;
};

// ---- implementation ------------------------------------------------------------------------

template <typename V>
boost::asio::awaitable<Result<V>> Flight<V>::Wait(Deadline deadline) {
  if (deadline.Expired()) {
    co_return Error(ErrorCode::kDeadlineExceeded, "deadline passed before the cache load");
  }
  auto waiter =
      std::make_shared<Waiter>(co_await boost::asio::this_coro::executor, deadline.when());
  std::optional<Result<V>> done;
  {
    std::lock_guard lock(mutex_);
    if (outcome_) {
      done = outcome_;
    } else {
      waiters_.push_back(waiter);
    }
  }
  if (done) {
    co_return std::move(*done);
  }
  auto [ec] = co_await waiter->event.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  if (waiter->outcome) {
    co_return std::move(*waiter->outcome);
  }
  if (!ec) {
    co_return Error(ErrorCode::kDeadlineExceeded, "deadline exceeded waiting for the cache load");
  }
  co_return Error(ErrorCode::kCancelled, "cache wait cancelled");
}

template <typename V>
void Flight<V>::Complete(Result<V> outcome) {
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mutex_);
    outcome_.emplace(std::move(outcome));
    waiters.swap(waiters_);
  }
  for (auto& w : waiters) {
    // The waiter's timer and outcome are touched only on its own executor.
    boost::asio::post(w->event.get_executor(), [w, r = *outcome_]() mutable {
      w->outcome.emplace(std::move(r));
      w->event.cancel();
    });
  }
}

template <typename K, typename V, typename Hash>
auto SingleFlight<K, V, Hash>::Join(const K& key) -> Joined {
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mutex);
  auto [it, inserted] = shard.flights.try_emplace(key);
  if (inserted) {
    it->second = std::make_shared<Flight<V>>();
  }
  return {it->second, inserted};
}

template <typename K, typename V, typename Hash>
void SingleFlight<K, V, Hash>::Finish(const K& key, const std::shared_ptr<Flight<V>>& flight,
                                      Result<V> outcome) {
  {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.flights.find(key); it != shard.flights.end() && it->second == flight) {
      shard.flights.erase(it);
    }
  }
  flight->Complete(std::move(outcome));
}

template <typename K, typename V, typename Hash>
bool SingleFlight<K, V, Hash>::Forget(const K& key) {
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.flights.find(key);
  if (it == shard.flights.end()) {
    return false;
  }
  it->second->MarkForgotten();
  shard.flights.erase(it);
  return true;
}

template <typename K, typename V, typename Hash>
void SingleFlight<K, V, Hash>::ForgetAll() {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (auto& [key, flight] : shard.flights) {
      flight->MarkForgotten();
    }
    shard.flights.clear();
  }
}

template <typename K, typename V, typename Hash>
std::size_t SingleFlight<K, V, Hash>::in_flight() {
  std::size_t n = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.flights.size();
  }
  return n;
}

}  // namespace keel::cache
