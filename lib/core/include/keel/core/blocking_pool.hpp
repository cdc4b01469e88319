// keel/core/blocking_pool.hpp — a bounded pool of worker threads for blocking work (a bulkhead).
//
// Blocking calls (SQLite, CPU-heavy work, file I/O) never run on an I/O thread: a coroutine hands
// them to a BlockingPool and awaits the result. The pool has a fixed number of threads and a
// bounded queue, so a slow dependency can hold at most its own threads and queue slots; past that,
// work is refused at once with kOverloaded (the caller answers 503 + Retry-After) instead of
// queueing without bound. Every wait is bounded by the caller's deadline: a task still queued when
// the deadline passes is dropped, never run.
//
//   keel::BlockingPool db_pool({.name = "db", .threads = 4, .queue_capacity = 64}, &sink);
//   keel::Result<int> n = co_await db_pool.Run([&] { return CountRows(); }, ctx.deadline());
//   // A wait for a worker bounded below the deadline (a connection pool's acquire timeout):
//   auto r = co_await db_pool.Run(fn, ctx.deadline(), {.max_queue_wait = 100ms});
//
// g++ 12: do not write a lambda that captures anything non-trivially destructible (a string,
// shared_ptr, vector, future, ...) as an argument inside the co_await expression — g++ 12 runs
// its destructor twice. Name it first: `auto work = [s = std::move(s)] {...};
// co_await pool.Run(std::move(work), d);`. Reference and scalar captures are unaffected.
//
// Thread safety: Run() may be called from any coroutine on any thread; the completion resumes
// the awaiting coroutine on its own executor. Stop() joins the workers (queued tasks are dropped
// and their waiters get kCancelled).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"

namespace keel {

struct BlockingPoolSettings {
  std::string name = "blocking";        // metric label
  std::size_t threads = 4;              // worker threads
  std::size_t queue_capacity = 64;      // tasks waiting for a worker; past this Run() refuses
  std::chrono::seconds retry_after{1};  // the Retry-After advertised on refusal
  // Nice increment of the worker threads (0..19; Linux schedules threads individually).
  int thread_nice = 0;
  // Run the workers under SCHED_IDLE: for work that must not move request latency (a report job's
  // reads). A nice increment only reweights the fair scheduler: a niced thread that holds the
  // core still finishes its protected slice (~1.5 ms on 2 CPUs under EEVDF) before a woken I/O
  // thread runs. A SCHED_IDLE thread is preempted at once by any normal thread that wakes.
  bool idle_scheduling = false;
};

// Per-call limits of BlockingPool::Run besides the deadline.
struct RunOptions {
  // The longest wait for a worker. When no worker has taken the task by then (and the deadline
  // has not passed first) the task is dropped unrun and Run returns kOverloaded with the pool's
  // retry_after: the pool is saturated, which is not the caller being late (kDeadlineExceeded).
  // A task that has started is not affected. nullopt: the wait is bounded by the deadline only.
  std::optional<Duration> max_queue_wait;
  // The message of that kOverloaded error (it must outlive the Run call); empty: a generic one
  // naming the pool.
  std::string_view queue_wait_message;
  // Incremented, besides the pool's own keel_pool_queue_timeouts_total, when a wait ends at
  // max_queue_wait (e.g. a database's acquire-timeout counter). May be null.
  Counter* queue_wait_timeouts = nullptr;
};

namespace detail {
// A move-only void() callable (std::move_only_function is C++23).
class MoveOnlyTask {
 public:
  MoveOnlyTask() = default;
  template <typename F>
  explicit MoveOnlyTask(F f) : impl_(std::make_unique<Impl<F>>(std::move(f))) {}
  void operator()() { (*impl_)(); }
  explicit operator bool() const noexcept { return impl_ != nullptr; }
  void Reset() noexcept { impl_.reset(); }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void operator()() = 0;
  };
  template <typename F>
  struct Impl final : Base {
    explicit Impl(F f) : f(std::move(f)) {}
    void operator()() override { f(); }
    F f;
  };
  std::unique_ptr<Base> impl_;
};

template <typename T>
struct FlattenResult {
  using type = Result<T>;
};
template <typename T>
struct FlattenResult<Result<T>> {
  using type = Result<T>;
};
}  // namespace detail

class BlockingPool {
 public:
  // `sink` may be null (no metrics). Starts the worker threads.
  BlockingPool(BlockingPoolSettings settings, MetricSink* sink);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs fn() on a worker and resumes the caller with its value. If fn returns Result<T>, Run
  // returns that Result<T> (not a nested one). Errors: kOverloaded when the queue is full,
  // kDeadlineExceeded when the deadline passes first (a queued task is then dropped; a running
  // one finishes on its worker and its value is discarded — pass the deadline into fn to stop it
  // early), kCancelled when the pool is stopping; with options.max_queue_wait, kOverloaded when
  // no worker took the task within it (see RunOptions).
  template <typename F>
  auto Run(F fn, Deadline deadline, RunOptions options = {})
      -> boost::asio::awaitable<typename detail::FlattenResult<std::invoke_result_t<F&>>::type>;

  void Stop();

  [[nodiscard]] std::size_t queue_depth() const;
  [[nodiscard]] std::size_t busy_workers() const noexcept {
    return busy_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] const BlockingPoolSettings& settings() const noexcept { return settings_; }

 private:
  // One queued unit of work, shared by the waiting coroutine and the worker.
  struct Task {
    enum State : int { kQueued, kRunning, kAbandoned };
    std::atomic<int> state{kQueued};
    std::atomic<bool> completed{false};  // the waiter has been resumed (exactly once)
    TimePoint enqueued_at;
    // Both are reset by the pool once the task leaves the queue (they hold the waiter, which
    // holds the task: resetting breaks that cycle).
    detail::MoveOnlyTask run;     // runs fn and posts the completion to the waiter's executor
    detail::MoveOnlyTask cancel;  // posts kCancelled to the waiter (pool stopping)
  };
  [[nodiscard]] Result<void> Enqueue(std::shared_ptr<Task> task);
  void WorkerLoop();
  void RecordStart(const Task& task);
  static void Release(Task& task) noexcept;
  [[nodiscard]] Error QueueWaitError(const RunOptions& options) const;
  // Bounds the wait of a queued task: by the deadline, and first by options.max_queue_wait when
  // that is shorter. `finish(Error)` resumes the waiter (at most once).
  template <typename Finish>
  void ArmTimer(const std::shared_ptr<Task>& task,
                const std::shared_ptr<boost::asio::steady_timer>& timer, const Finish& finish,
                Deadline deadline, const RunOptions& options);

  BlockingPoolSettings settings_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Task>> queue_;
  bool stopping_ = false;
  std::atomic<std::size_t> busy_{0};
  std::vector<std::thread> workers_;

  Counter* rejected_ = nullptr;
  Counter* timed_out_ = nullptr;
  Counter* queue_timeouts_ = nullptr;
  Counter* completed_ = nullptr;
  Gauge* depth_ = nullptr;
  Gauge* busy_gauge_ = nullptr;
  Histogram* wait_ = nullptr;
  Histogram* run_ = nullptr;
};

template <typename F>
auto BlockingPool::Run(F fn, Deadline deadline, RunOptions options)
    -> boost::asio::awaitable<typename detail::FlattenResult<std::invoke_result_t<F&>>::type> {
  using Out = typename detail::FlattenResult<std::invoke_result_t<F&>>::type;
  namespace asio = boost::asio;
  if (deadline.Expired()) {
    co_return Out(Error(ErrorCode::kDeadlineExceeded,
                        "deadline passed before " + settings_.name + " pool admission"));
  }
  auto executor = co_await asio::this_coro::executor;
  auto task = std::make_shared<Task>();
  auto timer = std::make_shared<asio::steady_timer>(executor, deadline.when());
  std::optional<Out> outcome;

  // The completion handler of the awaiting coroutine; whichever of (worker done, deadline timer,
  // queue-wait timer) claims `completed` first resumes it, always on the coroutine's executor.
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&](auto handler) {
        auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
        auto finish = [task, timer, shared_handler, &outcome](Out value) {
          if (task->completed.exchange(true)) {
            return;
          }
          outcome.emplace(std::move(value));
          timer->cancel();
          (*shared_handler)();
        };
        task->enqueued_at = std::chrono::steady_clock::now();
        task->cancel = detail::MoveOnlyTask([executor, finish] {
          asio::post(executor, [finish] {
            finish(Out(Error(ErrorCode::kCancelled, "blocking pool is stopping")));
          });
        });
        // `finish` moves into the posted completion: the worker thread must not hold the last
        // reference to the timer (its destructor touches the waiter's io_context, which may be
        // gone once the waiter has resumed).
        task->run = detail::MoveOnlyTask([executor, finish, f = std::move(fn)]() mutable {
          if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
            f();
            asio::post(executor, [finish = std::move(finish)] { finish(Out()); });
          } else {
            auto value = f();
            asio::post(executor, [finish = std::move(finish), v = std::move(value)]() mutable {
              finish(Out(std::move(v)));
            });
          }
        });
        if (auto queued = Enqueue(task); !queued) {
          Release(*task);  // never queued, so the pool will not break the task<->finish cycle
          asio::post(executor, [finish, e = std::move(queued).error()]() mutable {
            finish(Out(std::move(e)));
          });
          return;
        }
        ArmTimer(task, timer, finish, deadline, options);
      },
      asio::use_awaitable);
  co_return std::move(*outcome);
}

template <typename Finish>
void BlockingPool::ArmTimer(const std::shared_ptr<Task>& task,
                            const std::shared_ptr<boost::asio::steady_timer>& timer,
                            const Finish& finish, Deadline deadline, const RunOptions& options) {
  auto on_deadline = [this, task, finish](boost::system::error_code ec) {
    if (ec || task->completed.load()) {
      return;
    }
    int expected = Task::kQueued;
    task->state.compare_exchange_strong(expected, Task::kAbandoned);
    if (timed_out_ != nullptr) {
      timed_out_->Add();
    }
    finish(Error(ErrorCode::kDeadlineExceeded,
                 "deadline exceeded waiting for the " + settings_.name + " pool"));
  };
  const bool queue_limited = options.max_queue_wait.has_value() &&
                             *options.max_queue_wait < deadline.Remaining(task->enqueued_at);
  if (!queue_limited) {
    if (!deadline.IsNever()) {
      timer->async_wait(std::move(on_deadline));
    }
    return;
  }
  // The queue-wait limit comes first. When it fires on a queued task the task is dropped
  // (kOverloaded); on a running one the timer is re-armed for the deadline alone.
  timer->expires_at(task->enqueued_at + *options.max_queue_wait);
  timer->async_wait(
      [this, task, timer, finish, deadline, options, on_deadline](boost::system::error_code ec) {
        if (ec || task->completed.load()) {
          return;
        }
        int expected = Task::kQueued;
        if (task->state.compare_exchange_strong(expected, Task::kAbandoned)) {
          finish(QueueWaitError(options));
          return;
        }
        if (!deadline.IsNever()) {
          timer->expires_at(deadline.when());
          timer->async_wait(on_deadline);
        }
      });
}

}  // namespace keel
