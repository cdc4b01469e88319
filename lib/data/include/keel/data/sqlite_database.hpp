// keel/data/sqlite_database.hpp — the embedded SQLite backend of keel::data::Database.
//
// WAL mode, one writer connection and N reader connections, synchronous=NORMAL, busy_timeout,
// foreign keys on, a prepared-statement cache per connection. Readers and the writer each have
// their own bounded worker threads (one thread per connection), so a slow report cannot take the
// connections that by-id reads need, and no call ever runs on an I/O thread.
//
//   keel::data::SqliteDatabase db({.path = "var/shop.db", .readers = 4}, &metrics);
//   if (auto opened = db.Open(); !opened) { ... }
//
// Metrics (label db=<name>): keel_db_connections{role}, keel_db_connections_in_use{role},
// keel_db_pool_utilization{role} (in use / size, 0..1), keel_db_pool_waiters{role},
// keel_db_acquire_wait_seconds{role}, keel_db_acquire_timeouts_total{role},
// keel_db_query_duration_seconds{query} (statement execution on its connection; Transaction's
// BEGIN/COMMIT/ROLLBACK appear as query="begin"/"commit"/"rollback"),
// keel_db_query_errors_total{query,kind} (kind = error code name; a call refused before it ran is
// counted under its query name, or "transaction"), keel_db_statements_prepared_total{role}
// (statement-cache misses: a steadily growing value means statement_cache is too small).
// Each role's BlockingPool also reports keel_pool_*{pool="db_<name>_<role>"}.
//
// Threading: Query runs on a reader worker, Execute and Transaction on the single writer worker;
// each worker owns one connection at a time (SQLITE_OPEN_NOMUTEX). Readers are opened read-only,
// so a write sent through Query fails instead of contending with the writer. Statements are
// interrupted (progress handler, every ~1000 VM steps) at min(deadline, start + query timeout).
// Open() and Close() are for startup and shutdown, not concurrent with calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "keel/core/config.hpp"
#include "keel/core/metrics.hpp"
#include "keel/data/database.hpp"

namespace keel::data {

struct SqliteSettings {
  std::string name = "main";         // metric label
  std::string path;                  // database file; created if absent
  std::size_t readers = 4;           // reader connections (and threads)
  std::size_t queue_capacity = 256;  // calls waiting for a connection, per role; past it: 503
  std::chrono::nanoseconds acquire_timeout = std::chrono::seconds(1);
  std::chrono::nanoseconds query_timeout = std::chrono::seconds(5);
  std::chrono::nanoseconds busy_timeout = std::chrono::seconds(5);
  std::size_t statement_cache = 128;  // prepared statements kept per connection
  // WAL pages past which a background thread checkpoints (wal_checkpointer.hpp), so that no
  // transaction waits for a checkpoint's copy and fsync; 0 = SQLite's automatic checkpoint, run
  // by the commit that crosses 1,000 pages.
  std::size_t wal_checkpoint_pages = 1000;
  // The next two are not config keys: an application opens a second database on the same file
  // for background scans with them (keel-shop's report reads).
  // SCHED_IDLE connection threads (BlockingPoolSettings::idle_scheduling) that also yield every
  // ~1000 VM steps inside a query.
  bool idle_scheduling = false;
  // Map the file into memory for reads (PRAGMA mmap_size 256 MiB). Off: pread into the
  // connection's page cache. A connection that scans (a report) runs better without: SQLite
  // remaps when the file grows, and the munmap of a large populated mapping is milliseconds of
  // kernel time that a kernel without preemption does not interrupt even for a request thread.
  bool memory_mapped = true;
};

// Declares <prefix>.path, .readers, .queue_capacity, .acquire_timeout, .query_timeout,
// .busy_timeout, .statement_cache, .wal_checkpoint_pages (prefix e.g. "db").
void AddSqliteConfig(ConfigSchema& schema, std::string_view prefix, std::string_view default_path);
// The settings under <prefix>; `name` (the metric label) is the prefix with '.' as '_'.
[[nodiscard]] SqliteSettings SqliteSettingsFromConfig(const Config& config,
                                                      std::string_view prefix);
// kInvalidArgument naming the first bad field (empty or ":memory:" path, readers outside 1..64,
// non-positive timeouts, zero queue capacity or statement cache). Open() checks this too.
[[nodiscard]] Result<void> ValidateSqliteSettings(const SqliteSettings& settings);

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(SqliteSettings settings, MetricSink* sink);
  ~SqliteDatabase() override;

  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // Validates the settings, opens the writer (creating the file, switching it to WAL), then the
  // read-only readers, applies the pragmas and starts the worker threads. Call once, before any
  // query. Errors: kInvalidArgument (settings), kInternal/kUnavailable (cannot open).
  [[nodiscard]] Result<void> Open();
  // Stops the workers (queued calls get kCancelled) and closes the connections; later calls get
  // kCancelled. Also done by the destructor.
  void Close();

  boost::asio::awaitable<Result<ResultSet>> Query(data::Query q, SqlParams params,
                                                  CallOptions options) override;
  boost::asio::awaitable<Result<ExecResult>> Execute(data::Query q, SqlParams params,
                                                     CallOptions options) override;
  boost::asio::awaitable<Result<void>> Transaction(std::function<Result<void>(Tx&)> body,
                                                   CallOptions options) override;

  // Runs `body` in a transaction on the calling thread with the writer connection, outside any
  // pool and without deadline or query timeout: for startup work (migrations, seeding) before the
  // service accepts traffic. Never from an I/O thread (it blocks while the writer is busy).
  [[nodiscard]] Result<void> TransactionBlocking(const std::function<Result<void>(Tx&)>& body);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::data
