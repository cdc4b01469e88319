#include "sqlite_connection.hpp"

#include <sched.h>

#include <string>

#include "sqlite_error.hpp"
#include "statement_binding.hpp"

namespace keel::data::detail {

namespace {
// Checked every this many VM steps: frequent enough to stop a runaway query within about a
// millisecond, rare enough that the clock read does not show in a short query's cost.
constexpr int kProgressSteps = 1000;

Duration Since(TimePoint start) {
  return std::chrono::steady_clock::now() - start;
}

// The statement-level pragmas; journal_mode is the writer's alone (WAL is persistent in the file).
std::string PragmaScript(const ConnectionOptions& o) {
  std::string sql = o.writer ? "PRAGMA journal_mode=WAL;" : "";
  sql +=
      "PRAGMA synchronous=NORMAL;"  // WAL + NORMAL: durable against crashes of the process
      "PRAGMA foreign_keys=ON;"
      "PRAGMA temp_store=MEMORY;"
      "PRAGMA cache_size=-16384;";  // 16 MiB of page cache per connection
  // Reads straight from the page cache of the OS (256 MiB), or copied by pread.
  sql += o.memory_mapped ? "PRAGMA mmap_size=268435456;" : "PRAGMA mmap_size=0;";
  return sql;
}
}  // namespace

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const ConnectionOptions& options) {
  const int flags =
      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE |
      (options.writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e(ErrorCode::kUnavailable, "cannot open SQLite database " + options.path + ": " +
                                         (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close_v2(db);
    return e;
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db, options));
  if (auto applied = conn->ApplyPragmas(options); !applied) {
    return std::move(applied).error();
  }
  return conn;
}

SqliteConnection::SqliteConnection(sqlite3* db, const ConnectionOptions& options)
    : db_(db),
      cache_(db, options.statement_cache, options.prepared),
      yield_in_queries_(options.yield_in_queries) {
  sqlite3_extended_result_codes(db, 1);
  sqlite3_progress_handler(db, kProgressSteps, &SqliteConnection::OnProgress, this);
}

Result<void> SqliteConnection::ApplyPragmas(const ConnectionOptions& options) {
  const auto busy_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options.busy_timeout);
  sqlite3_busy_timeout(db_.get(), static_cast<int>(busy_ms.count()));
  if (auto r = RunScript("open", PragmaScript(options), Deadline::Never()); !r) {
    return r;
  }
  if (!options.writer) {
    return {};
  }
  ResultSet mode;
  if (auto r = Run("open", "PRAGMA journal_mode", {}, Deadline::Never(), &mode); !r) {
    return std::move(r).error();
  }
  if (mode.empty() || mode[0].Text(0) != "wal") {
    return Error(ErrorCode::kInternal,
                 "SQLite database " + options.path + " could not be switched to WAL mode");
  }
  return {};
}

int SqliteConnection::OnProgress(void* self) noexcept {
  const auto& conn = *static_cast<SqliteConnection*>(self);
  if (conn.yield_in_queries_) {
    // The kernel does not always preempt a SCHED_IDLE thread for a woken request thread of the
    // same process (measured: I/O thread runnable for 2-3 ms behind a report's chunk read);
    // yielding every ~1000 steps (tens of microseconds) bounds that wait.
    sched_yield();
  }
  if (conn.interrupt_at_ == TimePoint::max()) {
    return 0;
  }
  return std::chrono::steady_clock::now() >= conn.interrupt_at_ ? 1 : 0;
}

Result<ExecResult> SqliteConnection::Run(std::string_view name, std::string_view sql,
                                         const SqlParams& params, Deadline deadline,
                                         ResultSet* rows) {
  const TimePoint started = std::chrono::steady_clock::now();
  if (deadline.Expired(started)) {
    return Error(ErrorCode::kDeadlineExceeded,
                 "query " + std::string(name) + " not started: the deadline has passed");
  }
  auto stmt = cache_.Get(name, sql);
  if (!stmt) {
    return std::move(stmt).error();
  }
  BoundStatement bound(*stmt);  // resets and clears the bindings on every path out
  if (auto b = bound.Bind(name, params); !b) {
    return std::move(b).error();
  }
  InterruptScope interrupt(*this, deadline);
  const int rc = bound.Step(rows);
  if (rc != SQLITE_DONE) {
    return SqliteError(db_.get(), rc, name, Since(started));
  }
  return ExecResult{.rows_affected = sqlite3_changes64(db_.get()),
                    .last_insert_id = sqlite3_last_insert_rowid(db_.get())};
}

Result<void> SqliteConnection::RunScript(std::string_view name, std::string_view sql,
                                         Deadline deadline) {
  const TimePoint started = std::chrono::steady_clock::now();
  InterruptScope interrupt(*this, deadline);
  const std::string text(sql);  // sqlite3_exec needs a NUL-terminated string
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(db_.get(), rc, name, Since(started));
  }
  return {};
}

void SqliteConnection::OnWalCommit(WalCommitHook hook, void* context) noexcept {
  wal_hook_ = hook;
  wal_hook_context_ = context;
  // Null: no hook and no automatic checkpoint either (only while the database closes).
  sqlite3_wal_hook(db_.get(), hook != nullptr ? &SqliteConnection::OnWal : nullptr, this);
}

int SqliteConnection::OnWal(void* self, sqlite3*, const char*, int pages) noexcept {
  auto* c = static_cast<SqliteConnection*>(self);
  c->wal_hook_(c->wal_hook_context_, *c, pages);
  return SQLITE_OK;
}

Result<bool> SqliteConnection::CheckpointPassive() {
  const int rc =
      sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_BUSY) {
    return false;  // another connection (another process) is checkpointing
  }
  if (rc != SQLITE_OK) {
    return Error(ErrorCode::kInternal,
                 std::string("WAL checkpoint failed: ") + sqlite3_errmsg(db_.get()));
  }
  return true;
}

}  // namespace keel::data::detail
