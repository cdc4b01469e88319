// Report rows and the chunked aggregate behind them. The API side creates a report and its job
// in one transaction and reads status; the job side starts an attempt, aggregates a chunk of
// orders on a reader, adds it with a guarded cursor move, and finishes with the result.
// Errors: those of keel::data::Database and keel::jobs::JobQueue (kOverloaded when the job queue
// is full: the report is not created). Thread safety: any I/O thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <keel/core/error.hpp>
#include <keel/data/database.hpp>
#include <keel/jobs/queue.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/reports/report.hpp"

namespace shop::reports {

template <typename T>
using Task = boost::asio::awaitable<keel::Result<T>>;

// The order ids an attempt covers: (first, last], done up to cursor.
struct OrderRange {
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::int64_t cursor = 0;
};

struct ChunkSums {
  std::vector<CategorySales> categories;
  std::int64_t orders = 0;
};

class ReportStore {
 public:
  ReportStore(keel::data::Database& db, keel::jobs::JobQueue& queue, std::string job_queue)
      : db_(db), chunk_reads_(&db), queue_(queue), job_queue_(std::move(job_queue)) {}

  // Chunk() reads through `reads` (another connection set on the same file whose threads run at
  // a lower CPU priority, so a report's aggregate does not move request latency); it must
  // outlive the store. Default: the store's database.
  void UseForChunkReads(keel::data::Database& reads) { chunk_reads_ = &reads; }

  // The report row and its job, in one transaction.
  Task<Report> Create(const ReportRequest& request, std::string now,
                      keel::data::CallOptions options);
  // kNotFound when there is no such report.
  Task<Report> Get(std::int64_t id, keel::data::CallOptions options);
  // The row corrected by its job's state (see ViewOf).
  Task<ReportView> View(std::int64_t id, keel::data::CallOptions options);
  // The stored result JSON (empty before the report succeeded).
  Task<std::string> Result(std::int64_t id, keel::data::CallOptions options);

  // --- the job ---
  // Marks the report running for `attempt`; nullopt when it is already final (a redelivery after
  // success) or gone.
  Task<std::optional<OrderRange>> Start(std::int64_t id, int attempt, std::string now,
                                        keel::data::CallOptions options);
  Task<ChunkSums> Chunk(const Report& report, std::int64_t after, std::int64_t upto,
                        keel::data::CallOptions options);
  // Adds `sums` and moves the cursor from `from` to `to` in one transaction; false (nothing
  // written) when the cursor is no longer at `from` (another attempt moved it).
  Task<bool> Advance(std::int64_t id, std::int64_t from, std::int64_t to, int progress,
                     const ChunkSums& sums, std::string now, keel::data::CallOptions options);
  // Writes the result from the accumulated sums; false when the report was not running.
  Task<bool> Finish(const Report& report, std::string now, keel::data::CallOptions options);

 private:
  keel::data::Database& db_;
  keel::data::Database* chunk_reads_;
  keel::jobs::JobQueue& queue_;
  std::string job_queue_;
};

}  // namespace shop::reports
