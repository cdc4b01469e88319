// One SQLite connection: opening with keel's pragmas, its statement cache, and running one
// statement with bound parameters under an interrupt deadline.
//
// Not thread-safe: a connection is checked out by one worker thread at a time (ConnectionSet),
// which is why it is opened with SQLITE_OPEN_NOMUTEX.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "keel/core/clock.hpp"
#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"
#include "keel/data/sql_value.hpp"
#include "statement_cache.hpp"

namespace keel::data::detail {

struct ConnectionOptions {
  std::string path;
  bool writer = false;  // the writer creates the file and switches it to WAL; readers are read-only
  Duration busy_timeout = std::chrono::seconds(5);
  std::size_t statement_cache = 128;
  bool memory_mapped = true;      // PRAGMA mmap_size: 256 MiB, or 0 (reads through pread)
  bool yield_in_queries = false;  // sched_yield every ~1000 VM steps (a SCHED_IDLE connection)
  Counter* prepared = nullptr;    // statement-cache misses (may be null)
};

class SqliteConnection {
 public:
  [[nodiscard]] static Result<std::unique_ptr<SqliteConnection>> Open(
      const ConnectionOptions& options);
  ~SqliteConnection() = default;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one statement with `params` bound by position, interrupted at `deadline` (checked every
  // ~1000 virtual-machine steps). Rows are materialised into `rows` when it is not null.
  [[nodiscard]] Result<ExecResult> Run(std::string_view name, std::string_view sql,
                                       const SqlParams& params, Deadline deadline, ResultSet* rows);
  // Runs ';'-separated statements without parameters (sqlite3_exec), interrupted at `deadline`.
  [[nodiscard]] Result<void> RunScript(std::string_view name, std::string_view sql,
                                       Deadline deadline);

  [[nodiscard]] bool InTransaction() const noexcept {
    return sqlite3_get_autocommit(db_.get()) == 0;
  }
  [[nodiscard]] const StatementCache& statements() const noexcept { return cache_; }

  // Replaces SQLite's automatic checkpoint (which runs inside the commit that pushes the WAL past
  // 1,000 pages, fsyncs included) with `hook`, called on the committing thread after each commit
  // with the WAL's size in pages; the hook may checkpoint through `self` (CheckpointPassive).
  using WalCommitHook = void (*)(void* context, SqliteConnection& self, int wal_pages);
  void OnWalCommit(WalCommitHook hook, void* context) noexcept;
  // One PASSIVE checkpoint: copies what no reader still needs, never waits for readers or the
  // writer. False when another connection was checkpointing (nothing was done).
  [[nodiscard]] Result<bool> CheckpointPassive();

 private:
  SqliteConnection(sqlite3* db, const ConnectionOptions& options);
  [[nodiscard]] Result<void> ApplyPragmas(const ConnectionOptions& options);
  static int OnProgress(void* self) noexcept;
  static int OnWal(void* self, sqlite3* db, const char* schema, int pages) noexcept;

  // Arms the progress handler for one statement and disarms it when the statement is done.
  class InterruptScope {
   public:
    InterruptScope(SqliteConnection& c, Deadline d) noexcept : c_(c) {
      c_.interrupt_at_ = d.when();
    }
    ~InterruptScope() { c_.interrupt_at_ = TimePoint::max(); }
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;

   private:
    SqliteConnection& c_;
  };

  struct Closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  // Declared before the cache so that it is destroyed after it: statements are finalized first.
  std::unique_ptr<sqlite3, Closer> db_;
  StatementCache cache_;
  TimePoint interrupt_at_ = TimePoint::max();
  bool yield_in_queries_ = false;
  WalCommitHook wal_hook_ = nullptr;
  void* wal_hook_context_ = nullptr;
};

}  // namespace keel::data::detail
