#include "keel/data/sqlite_database.hpp"

#include <chrono>
#include <string>
#include <utility>

#include "sqlite_database_impl.hpp"

namespace keel::data {

namespace {
std::string PoolTimeoutMessage(const SqliteSettings& s, const std::string& role) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(s.acquire_timeout);
  return "database " + s.name + " " + role + " pool: no connection within " +
         std::to_string(ms.count()) + " ms";
}
}  // namespace

// --- Impl ----------------------------------------------------------------------------------

SqliteDatabase::Impl::Role::Role(MetricSink& sink, const SqliteSettings& settings,
                                 std::string role_name)
    : name(std::move(role_name)),
      metrics(sink, settings.name, name),
      timeout_message(PoolTimeoutMessage(settings, name)) {
  run_options = RunOptions{.max_queue_wait = settings.acquire_timeout,
                           .queue_wait_message = timeout_message,
                           .queue_wait_timeouts = &metrics.acquire_timeouts()};
}

SqliteDatabase::Impl::Impl(SqliteSettings settings, MetricSink* sink)
    : settings_(std::move(settings)),
      sink_(sink != nullptr ? *sink : own_sink_),
      queries_(sink_, settings_.name),
      writer_(sink_, settings_, "writer"),
      readers_(sink_, settings_, "reader") {}

SqliteDatabase::Impl::~Impl() {
  Close();
}

Result<void> SqliteDatabase::Impl::Open() {
  if (open_.load()) {
    return Error(ErrorCode::kInternal, "database " + settings_.name + " is already open");
  }
  if (auto valid = ValidateSqliteSettings(settings_); !valid) {
    return valid;
  }
  // The writer first: it creates the file and its WAL, which read-only readers need to exist.
  auto opened = OpenRole(writer_, 1, true);
  if (opened) {
    opened = OpenRole(readers_, settings_.readers, false);
  }
  if (opened) {
    opened = StartCheckpointer();
  }
  if (!opened) {
    StopCheckpointer();
    readers_.connections.Clear();
    writer_.connections.Clear();
    return opened;
  }
  StartPool(writer_, 1);
  StartPool(readers_, settings_.readers);
  open_.store(true, std::memory_order_release);
  return {};
}

Result<void> SqliteDatabase::Impl::OpenRole(Role& role, std::size_t connections, bool writer) {
  const detail::ConnectionOptions options{.path = settings_.path,
                                          .writer = writer,
                                          .busy_timeout = settings_.busy_timeout,
                                          .statement_cache = settings_.statement_cache,
                                          .memory_mapped = settings_.memory_mapped,
                                          .yield_in_queries = settings_.idle_scheduling,
                                          .prepared = &role.metrics.prepared()};
  for (std::size_t i = 0; i < connections; ++i) {
    auto conn = detail::SqliteConnection::Open(options);
    if (!conn) {
      return std::move(conn).error();
    }
    role.connections.Add(std::move(*conn));
  }
  role.metrics.SetSize(connections);
  return {};
}

Result<void> SqliteDatabase::Impl::StartCheckpointer() {
  if (settings_.wal_checkpoint_pages == 0) {
    return {};
  }
  // Read-write (a checkpoint writes the database file); no statements, no memory map.
  auto conn = detail::SqliteConnection::Open({.path = settings_.path,
                                              .writer = true,
                                              .busy_timeout = settings_.busy_timeout,
                                              .statement_cache = 1,
                                              .memory_mapped = false});
  if (!conn) {
    return std::move(conn).error();
  }
  checkpointer_ = std::make_unique<detail::WalCheckpointer>(
      std::move(*conn), settings_.wal_checkpoint_pages, sink_, settings_.name);
  auto writer = writer_.connections.Acquire();
  checkpointer_->Watch(*writer);
  return {};
}

void SqliteDatabase::Impl::StopCheckpointer() {
  if (checkpointer_ == nullptr) {
    return;
  }
  {
    auto writer = writer_.connections.Acquire();  // no pool thread runs: free at once
    writer->OnWalCommit(nullptr, nullptr);
  }
  checkpointer_->Stop();
  checkpointer_.reset();
}

void SqliteDatabase::Impl::StartPool(Role& role, std::size_t threads) {
  // One thread per connection: a task on a worker always finds a free connection, and the
  // pool's bounded queue is the wait for one (bounded by acquire_timeout and the deadline).
  role.pool = std::make_unique<BlockingPool>(
      BlockingPoolSettings{.name = "db_" + settings_.name + "_" + role.name,
                           .threads = threads,
                           .queue_capacity = settings_.queue_capacity,
                           .retry_after = std::chrono::seconds(1),
                           .idle_scheduling = settings_.idle_scheduling},
      &sink_);
}

void SqliteDatabase::Impl::Close() {
  open_.store(false, std::memory_order_release);
  for (Role* role : {&readers_, &writer_}) {
    if (role->pool != nullptr) {
      role->pool->Stop();  // joins the workers: no connection is in use afterwards
    }
  }
  StopCheckpointer();
  readers_.connections.Clear();  // readers before the writer, whose close checkpoints the WAL
  writer_.connections.Clear();
}

Error SqliteDatabase::Impl::NotOpen() const {
  return Error(ErrorCode::kUnavailable, "database " + settings_.name + " is not open")
      .WithRetryAfter(std::chrono::seconds(1));
}

Result<void> SqliteDatabase::Impl::TransactionBlocking(
    const std::function<Result<void>(Tx&)>& body) {
  if (!open_.load(std::memory_order_acquire)) {
    return NotOpen();
  }
  auto lease = writer_.connections.Acquire();
  detail::StatementScope scope(*lease, queries_, Deadline::Never(), std::nullopt);
  return detail::RunTransaction(scope, body);
}

// --- SqliteDatabase ------------------------------------------------------------------------

SqliteDatabase::SqliteDatabase(SqliteSettings settings, MetricSink* sink)
    : impl_(std::make_unique<Impl>(std::move(settings), sink)) {}

SqliteDatabase::~SqliteDatabase() = default;

Result<void> SqliteDatabase::Open() {
  return impl_->Open();
}

void SqliteDatabase::Close() {
  impl_->Close();
}

boost::asio::awaitable<Result<ResultSet>> SqliteDatabase::Query(data::Query q, SqlParams params,
                                                                CallOptions options) {
  return impl_->Call<ResultSet>(
      impl_->readers(), q.name, options,
      [q, params = std::move(params)](detail::StatementScope& s) { return s.Query(q, params); });
}

boost::asio::awaitable<Result<ExecResult>> SqliteDatabase::Execute(data::Query q, SqlParams params,
                                                                   CallOptions options) {
  return impl_->Call<ExecResult>(
      impl_->writer(), q.name, options,
      [q, params = std::move(params)](detail::StatementScope& s) { return s.Execute(q, params); });
}

boost::asio::awaitable<Result<void>> SqliteDatabase::Transaction(
    std::function<Result<void>(Tx&)> body, CallOptions options) {
  return impl_->Call<void>(impl_->writer(), "transaction", options,
                           [body = std::move(body)](detail::StatementScope& s) {
                             return detail::RunTransaction(s, body);
                           });
}

Result<void> SqliteDatabase::TransactionBlocking(const std::function<Result<void>(Tx&)>& body) {
  return impl_->TransactionBlocking(body);
}

}  // namespace keel::data
