// keel/data/batch_loader.hpp — coalesce per-item loads into one query (DataLoader style).
//
// Every Load(key) made while one response is being built, before the loader's dispatch runs, is
// collected; the batch function then runs once with all distinct keys (e.g. one
// `WHERE id IN (...)` query) and each caller gets its own value. Keys the batch did not return
// come back as kNotFound naming the key: missing ids are reported, never dropped silently.
// A loader belongs to one request (one I/O thread); create it per request. A batch in flight
// keeps the batch function alive itself, so the loader may go before its batches finish (what
// the function captures by reference must still outlive them).
//
//   keel::data::BatchLoader<std::int64_t, Product> products(
//       [&](std::vector<std::int64_t> ids) { return store.ProductsByIds(ids, ctx); });
//   using namespace boost::asio::experimental::awaitable_operators;
//   auto [a, b] = co_await (products.Load(1) && products.Load(2));  // one query for both
//   std::vector<std::int64_t> ids{1, 2, 3};  // named: g++ 12 rejects a braced list in co_await
//   auto all = co_await products.LoadMany(std::move(ids));  // request order preserved
// Sequential awaits (`co_await Load(1); co_await Load(2);`) are two batches: a batch closes
// when the event loop turns.
#pragma once
// Implementation detail: see batch_loader_impl below (header-only template).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "keel/core/error.hpp"

namespace keel::data {

template <typename K, typename V>
class BatchLoader {
 public:
  using BatchFn =
      std::function<boost::asio::awaitable<Result<std::unordered_map<K, V>>>(std::vector<K>)>;

  explicit BatchLoader(BatchFn fn) : fn_(std::make_shared<const BatchFn>(std::move(fn))) {}

  // The value for `key`, loaded together with every other key requested before dispatch.
  // Errors: kNotFound "no <key>" when the batch did not return the key; the batch function's
  // error (to every waiter of the batch); kInternal when it threw; kCancelled when the awaiting
  // coroutine was cancelled first. Call from the loader's I/O thread only.
  boost::asio::awaitable<Result<V>> Load(K key);
  // Values in the order of `keys` (one batch, joined by concurrent Load()s). Keys the batch did
  // not return are listed in `missing` rather than failing the whole call; the batch function's
  // error fails it.
  struct Many {
    std::vector<V> found;    // in request order, missing ones skipped
    std::vector<K> missing;  // keys the batch did not return, in request order
  };
  boost::asio::awaitable<Result<Many>> LoadMany(std::vector<K> keys);

  // How many batch calls were made (for tests and metrics).
  [[nodiscard]] int batches() const noexcept { return batches_; }

 private:
  struct Pending;
  // The batch open for new keys, creating it (and posting its dispatch) when there is none.
  boost::asio::awaitable<std::shared_ptr<Pending>> OpenBatch();
  // Static: it must not touch the loader, which may be gone before the batch function returns.
  static boost::asio::awaitable<void> Dispatch(std::shared_ptr<Pending> batch,
                                               std::shared_ptr<const BatchFn> fn);

  std::shared_ptr<const BatchFn> fn_;
  std::shared_ptr<Pending> open_;  // the batch collecting keys, not yet dispatched
  int batches_ = 0;
};

}  // namespace keel::data

#include "keel/data/batch_loader_impl.hpp"  // IWYU pragma: export
