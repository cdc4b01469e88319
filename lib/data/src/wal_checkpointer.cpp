#include "wal_checkpointer.hpp"

#include <chrono>
#include <utility>

namespace keel::data::detail {

WalCheckpointer::WalCheckpointer(std::unique_ptr<SqliteConnection> connection, std::size_t pages,
                                 MetricSink& sink, const std::string& db)
    : connection_(std::move(connection)),
      pages_(static_cast<int>(pages)),
      checkpoints_(sink.GetCounter("keel_db_wal_checkpoints_total",
                                   "WAL checkpoints, by the background thread or (past the "
                                   "backstop) by the committing writer",
                                   {{"db", db}, {"by", "background"}})),
      writer_checkpoints_(sink.GetCounter("keel_db_wal_checkpoints_total",
                                          "WAL checkpoints, by the background thread or (past "
                                          "the backstop) by the committing writer",
                                          {{"db", db}, {"by", "writer"}})),
      duration_(sink.GetHistogram("keel_db_wal_checkpoint_seconds",
                                  "Duration of a background WAL checkpoint (copy and fsync)",
                                  {{"db", db}})),
      wal_pages_(sink.GetGauge("keel_db_wal_pages", "Pages in the WAL after the last commit",
                               {{"db", db}})),
      thread_([this] { Run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  Stop();
}

void WalCheckpointer::Watch(SqliteConnection& writer) noexcept {
  writer.OnWalCommit(&WalCheckpointer::OnCommit, this);
}

void WalCheckpointer::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void WalCheckpointer::OnCommit(void* self, SqliteConnection& writer, int wal_pages) noexcept {
  auto* c = static_cast<WalCheckpointer*>(self);
  c->wal_pages_.Set(static_cast<double>(wal_pages));
  if (wal_pages >= c->pages_ * kBackstopFactor) {
    std::lock_guard checkpointing(c->checkpointing_);  // after a background one in progress
    if (auto ran = writer.CheckpointPassive(); ran && *ran) {
      c->writer_checkpoints_.Add();
    }
    return;
  }
  if (wal_pages < c->pages_) {
    return;
  }
  bool wake = false;
  {
    std::lock_guard lock(c->mutex_);
    wake = !c->requested_;  // every commit past the mark reports it until the WAL restarts
    c->requested_ = true;
  }
  if (wake) {
    c->wake_.notify_one();
  }
}

void WalCheckpointer::Run() {
  // Normal priority on purpose: SCHED_IDLE (tried) starved a checkpoint mid-way on a busy core,
  // holding the checkpoint lock, so the writer's backstop checkpoint found it busy while the WAL
  // grew (to 4x the backstop in a test of back-to-back commits).
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) {
      return;
    }
    requested_ = false;
    lock.unlock();
    {
      std::lock_guard checkpointing(checkpointing_);
      const auto started = std::chrono::steady_clock::now();
      // A failed checkpoint (an I/O error) leaves the WAL to the next request; SQLite's own
      // checkpoint when the writer closes still runs.
      if (auto ran = connection_->CheckpointPassive(); ran && *ran) {
        checkpoints_.Add();
        duration_.Record(std::chrono::steady_clock::now() - started);
      }
    }
    lock.lock();
  }
}

}  // namespace keel::data::detail
