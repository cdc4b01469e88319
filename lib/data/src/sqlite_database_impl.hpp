// SqliteDatabase's private state: the two roles (writer, readers), each a ConnectionSet served by
// a BlockingPool with one thread per connection, and the call path shared by every operation.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "connection_set.hpp"
#include "keel/core/blocking_pool.hpp"
#include "keel/data/sqlite_database.hpp"
#include "sqlite_metrics.hpp"
#include "sqlite_tx.hpp"
#include "wal_checkpointer.hpp"

namespace keel::data {

class SqliteDatabase::Impl {
 public:
  struct Role {
    Role(MetricSink& sink, const SqliteSettings& settings, std::string role_name);

    std::string name;  // "reader" / "writer"
    detail::ConnectionSet connections;
    std::unique_ptr<BlockingPool> pool;
    detail::RoleMetrics metrics;
    std::string timeout_message;  // the acquire-timeout error, built once
    RunOptions run_options;       // max_queue_wait = acquire_timeout
  };

  Impl(SqliteSettings settings, MetricSink* sink);
  ~Impl();

  [[nodiscard]] Result<void> Open();
  void Close();
  [[nodiscard]] Result<void> TransactionBlocking(const std::function<Result<void>(Tx&)>& body);

  // Runs fn(StatementScope&) -> Result<T> on a worker of `role` with a checked-out connection;
  // adds the call's wall time to the caller's db stage after resuming on the caller's thread.
  template <typename T, typename Fn>
  boost::asio::awaitable<Result<T>> Call(Role& role, std::string_view name, CallOptions options,
                                         Fn fn);

  Role& readers() noexcept { return readers_; }
  Role& writer() noexcept { return writer_; }

 private:
  template <typename T, typename Fn>
  boost::asio::awaitable<Result<T>> Submit(Role& role, std::string_view name, TimePoint started,
                                           const CallOptions& options, Fn fn);
  [[nodiscard]] Result<void> OpenRole(Role& role, std::size_t connections, bool writer);
  [[nodiscard]] Result<void> StartCheckpointer();
  void StopCheckpointer();
  void StartPool(Role& role, std::size_t threads);
  [[nodiscard]] Error NotOpen() const;

  SqliteSettings settings_;
  DiscardingMetricSink own_sink_;  // used when no sink is given, so recording never checks null
  MetricSink& sink_;
  detail::QueryMetrics queries_;
  Role writer_;
  Role readers_;
  std::unique_ptr<detail::WalCheckpointer> checkpointer_;  // null: SQLite's own checkpoints
  std::atomic<bool> open_{false};
};

template <typename T, typename Fn>
boost::asio::awaitable<Result<T>> SqliteDatabase::Impl::Call(Role& role, std::string_view name,
                                                             CallOptions options, Fn fn) {
  const TimePoint started = std::chrono::steady_clock::now();
  std::optional<Result<T>> out;
  if (open_.load(std::memory_order_acquire)) {
    out.emplace(co_await Submit<T>(role, name, started, options, std::move(fn)));
  } else {
    out.emplace(NotOpen());
  }
  if (options.stages != nullptr) {
    options.stages->Add(Stage::kDb, std::chrono::steady_clock::now() - started);
  }
  co_return std::move(*out);
}

template <typename T, typename Fn>
boost::asio::awaitable<Result<T>> SqliteDatabase::Impl::Submit(Role& role, std::string_view name,
                                                               TimePoint started,
                                                               const CallOptions& options, Fn fn) {
  auto call = std::make_shared<detail::CallState>();
  const Deadline deadline = options.deadline;
  const Duration query_timeout = options.query_timeout.value_or(settings_.query_timeout);
  role.metrics.Queued();
  // The task owns everything it uses (the caller may have left at its deadline while it runs);
  // the database outlives its workers because Close() joins them. A named local, not a temporary
  // inside the co_await expression: g++ 12 mishandles non-trivial temporaries there.
  auto task = [this, &role, call, started, deadline, query_timeout,
               fn = std::move(fn)]() mutable -> Result<T> {
    role.metrics.Started(*call, std::chrono::steady_clock::now() - started);
    Result<T> r = [&] {
      auto lease = role.connections.Acquire();
      detail::StatementScope scope(*lease, queries_, deadline, query_timeout);
      return fn(scope);
    }();
    role.metrics.Finished();
    return r;
  };
  Result<T> out = co_await role.pool->Run(std::move(task), deadline, role.run_options);
  if (role.metrics.LeftPool(*call) && !out) {
    queries_.Refused(name, out.error().code());
  }
  co_return out;
}

}  // namespace keel::data
