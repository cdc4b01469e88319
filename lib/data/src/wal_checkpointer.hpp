#pragma once

// Checkpoints a SQLite database's WAL on a thread of its own, so that no transaction waits for
// one. SQLite's automatic checkpoint runs inside the commit that pushes the WAL past 1,000 pages:
// that commit copies the WAL into the database file and fsyncs both while every later write (an
// order, a job's acknowledgement) queues behind the single writer (in bench/dependencies.sh a 55 ms
// transaction with writes queued up to 390 ms behind it). Here the writer's commit only notes the
// WAL's size; past `pages` this thread runs a PASSIVE checkpoint on its own connection, which
// never waits for the writer or for readers, and the writer restarts the WAL once every page of
// it is in the database file.
// Backstop: a PASSIVE checkpoint copies only the pages committed before it started, so writes
// that never pause keep the WAL from ever being copied whole (and restarted); past
// kBackstopFactor x `pages` the committing writer waits for a background checkpoint in progress
// and then checkpoints itself, as SQLite would (no commit can slip in: it is the writer).
// What this cannot remove: a filesystem that holds the writer's WAL writes while a checkpoint's
// fsync runs (seen on ext4 here; docs/performance.md, issue 7).
//
// Thread safety: OnCommit is called on the writer's thread (from the commit hook); Stop from
// the owner. The checkpoint connection is used by the checkpointer thread only.

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "keel/core/metrics.hpp"
#include "sqlite_connection.hpp"

namespace keel::data::detail {

class WalCheckpointer {
 public:
  static constexpr int kBackstopFactor = 8;

  // `connection`: a read-write connection of its own to the database file.
  WalCheckpointer(std::unique_ptr<SqliteConnection> connection, std::size_t pages, MetricSink& sink,
                  const std::string& db);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Installs the commit hook on the writer connection (which must outlive Stop()).
  void Watch(SqliteConnection& writer) noexcept;
  // Joins the thread; a checkpoint in progress finishes first. Idempotent.
  void Stop();

 private:
  static void OnCommit(void* self, SqliteConnection& writer, int wal_pages) noexcept;
  void Run();

  std::unique_ptr<SqliteConnection> connection_;
  const int pages_;
  Counter& checkpoints_;         // by this thread
  Counter& writer_checkpoints_;  // by the writer, past the backstop
  Histogram& duration_;
  Gauge& wal_pages_;

  std::mutex checkpointing_;  // held while either connection checkpoints
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  std::thread thread_;
};

}  // namespace keel::data::detail
