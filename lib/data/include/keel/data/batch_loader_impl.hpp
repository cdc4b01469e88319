// keel/data/batch_loader_impl.hpp — the template definitions of keel/data/batch_loader.hpp.
//
// Include <keel/data/batch_loader.hpp> instead; this file is its implementation, kept apart so
// the interface reads on one screen.
//
// How a batch forms: the first Load() with no open batch creates one and posts its dispatch to
// the current executor. Every Load() made before the event loop runs that posted handler (the
// other branches of a parallel group, coroutines spawned in the same turn) finds the batch still
// open and adds its key. The dispatch closes the batch, calls the batch function once with the
// distinct keys, stores the outcome, and wakes every waiter by cancelling the batch's timer,
// which is used as an event (it never expires on its own).
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>

#include "keel/data/batch_loader.hpp"

namespace keel::data {

namespace detail {
// How a key appears in a kNotFound message ("no 42", "no sku-7").
template <typename K>
std::string BatchKeyText(const K& key) {
  if constexpr (std::is_arithmetic_v<K>) {
    return std::to_string(key);
  } else if constexpr (std::is_convertible_v<const K&, std::string_view>) {
    return std::string(std::string_view(key));
  } else {
    return "such key";
  }
}
}  // namespace detail

template <typename K, typename V>
struct BatchLoader<K, V>::Pending {
  explicit Pending(boost::asio::any_io_executor executor)
      : done(std::move(executor), boost::asio::steady_timer::time_point::max()) {}

  // Adds `key` unless it is already in the batch (keys stay in first-requested order).
  void Add(const K& key) {
    if (seen.insert(key).second) {
      keys.push_back(key);
    }
  }
  // The outcome for one key: its value, kNotFound, or the batch's error.
  [[nodiscard]] Result<V> For(const K& key) const {
    if (!outcome->ok()) {
      return outcome->error();
    }
    const auto& values = outcome->value();
    if (auto it = values.find(key); it != values.end()) {
      return it->second;
    }
    return Error(ErrorCode::kNotFound, "no " + detail::BatchKeyText(key));
  }
  // Suspends until the batch has an outcome. False when the waiting coroutine was cancelled
  // first (e.g. by its deadline) instead.
  boost::asio::awaitable<bool> Wait() {
    if (!outcome) {
      co_await done.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    co_return outcome.has_value();
  }

  std::vector<K> keys;
  std::unordered_set<K> seen;
  bool closed = false;  // dispatched: new keys go to a new batch
  std::optional<Result<std::unordered_map<K, V>>> outcome;
  boost::asio::steady_timer done;  // an event: cancel() wakes every waiter
};

template <typename K, typename V>
auto BatchLoader<K, V>::OpenBatch() -> boost::asio::awaitable<std::shared_ptr<Pending>> {
  if (!open_ || open_->closed) {
    open_ = std::make_shared<Pending>(co_await boost::asio::this_coro::executor);
    ++batches_;
    boost::asio::co_spawn(open_->done.get_executor(), Dispatch(open_, fn_), boost::asio::detached);
  }
  co_return open_;
}

template <typename K, typename V>
boost::asio::awaitable<Result<V>> BatchLoader<K, V>::Load(K key) {
  std::shared_ptr<Pending> batch = co_await OpenBatch();
  batch->Add(key);
  if (!co_await batch->Wait()) {
    co_return Error(ErrorCode::kCancelled, "batch load cancelled");
  }
  co_return batch->For(key);
}

template <typename K, typename V>
auto BatchLoader<K, V>::LoadMany(std::vector<K> keys) -> boost::asio::awaitable<Result<Many>> {
  if (keys.empty()) {
    co_return Many{};
  }
  std::shared_ptr<Pending> batch = co_await OpenBatch();
  for (const K& key : keys) {
    batch->Add(key);
  }
  if (!co_await batch->Wait()) {
    co_return Error(ErrorCode::kCancelled, "batch load cancelled");
  }
  if (!batch->outcome->ok()) {
    co_return batch->outcome->error();
  }
  Many many;
  for (K& key : keys) {
    auto value = batch->For(key);
    if (value) {
      many.found.push_back(std::move(*value));
    } else {
      many.missing.push_back(std::move(key));
    }
  }
  co_return many;
}

template <typename K, typename V>
boost::asio::awaitable<void> BatchLoader<K, V>::Dispatch(std::shared_ptr<Pending> batch,
                                                         std::shared_ptr<const BatchFn> fn) {
  // co_spawn may start this coroutine inline; yielding once lets every Load() already queued on
  // the executor join before the batch closes.
  co_await boost::asio::post(batch->done.get_executor(), boost::asio::use_awaitable);
  batch->closed = true;
  try {
    batch->outcome.emplace(co_await (*fn)(batch->keys));
  } catch (const std::exception& e) {
    // The batch function is user code; its exception must still wake every waiter.
    batch->outcome.emplace(
        Error(ErrorCode::kInternal, std::string("batch load function threw: ") + e.what()));
  } catch (...) {
    batch->outcome.emplace(Error(ErrorCode::kInternal, "batch load function threw"));
  }
  batch->done.cancel();
}

}  // namespace keel::data
