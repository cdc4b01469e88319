#include "src/reports/store.hpp"

#include <functional>

#include "src/common/json_writer.hpp"
#include "src/reports/queries.hpp"

namespace shop::reports {

namespace {

using keel::data::Params;

Report RowToReport(const keel::data::Row& row) {
  return Report{.id = row.Int(0),
                .type = std::string(row.Text(1)),
                .from = std::string(row.Text(2)),
                .to = std::string(row.Text(3)),
                .status = std::string(row.Text(4)),
                .progress = static_cast<int>(row.Int(5)),
                .job_id = row.Int(6),
                .attempt = static_cast<int>(row.Int(7)),
                .error = std::string(row.Text(8)),
                .created_at = std::string(row.Text(9)),
                .finished_at = std::string(row.Text(10))};
}

std::string JobArgs(std::int64_t report_id) {
  return "{\"report_id\":" + std::to_string(report_id) + "}";
}

// [[category, orders, units, revenue_cents], ...] for kAddPartials.
std::string PartialsJson(const std::vector<CategorySales>& categories) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  for (const auto& c : categories) {
    w.BeginArray();
    w.String(c.category);
    w.Int(c.orders);
    w.Int(c.units);
    w.Int(c.revenue_cents);
    w.EndArray();
  }
  w.EndArray();
  return out;
}

}  // namespace

Task<Report> ReportStore::Create(const ReportRequest& request, std::string now,
                                 keel::data::CallOptions options) {
  Report report{.type = request.type,
                .from = request.from,
                .to = request.to,
                .status = "queued",
                .created_at = now};
  std::function<keel::Result<void>(keel::data::Tx&)> body =
      [&](keel::data::Tx& tx) -> keel::Result<void> {
    auto inserted = tx.Execute(sql::kInsert, Params(report.type, report.from, report.to, now, now));
    if (!inserted) {
      return std::move(inserted).error();
    }
    report.id = inserted->last_insert_id;
    keel::jobs::JobSpec spec;
    spec.queue = job_queue_;
    spec.kind = std::string(kJobKind);
    spec.args = JobArgs(report.id);
    spec.dedupe_key = "report:" + std::to_string(report.id);
    auto job = queue_.Enqueue(tx, spec);
    if (!job) {
      return std::move(job).error();  // a full queue: no report either (503 + Retry-After)
    }
    report.job_id = job->id;
    auto linked = tx.Execute(sql::kSetJob, Params(job->id, report.id));
    if (!linked) {
      return std::move(linked).error();
    }
    return {};
  };
  auto done = co_await db_.Transaction(body, options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return report;
}

Task<Report> ReportStore::Get(std::int64_t id, keel::data::CallOptions options) {
  auto rows = co_await db_.Query(sql::kById, Params(id), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  if (rows->empty()) {
    co_return keel::Error(keel::ErrorCode::kNotFound, "no report with id " + std::to_string(id));
  }
  co_return RowToReport((*rows)[0]);
}

Task<ReportView> ReportStore::View(std::int64_t id, keel::data::CallOptions options) {
  auto report = co_await Get(id, options);
  if (!report) {
    co_return std::move(report).error();
  }
  std::optional<keel::jobs::JobRecord> job;
  if (report->job_id != 0) {
    auto record = co_await queue_.Get(report->job_id, options);
    if (record) {
      job = std::move(*record);
    } else if (record.error().code() != keel::ErrorCode::kNotFound) {
      co_return std::move(record).error();  // kNotFound: pruned; the row alone tells
    }
  }
  co_return ViewOf(*report, job);
}

Task<std::string> ReportStore::Result(std::int64_t id, keel::data::CallOptions options) {
  auto rows = co_await db_.Query(sql::kResult, Params(id), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  if (rows->empty()) {
    co_return keel::Error(keel::ErrorCode::kNotFound, "no report with id " + std::to_string(id));
  }
  co_return std::string((*rows)[0].Text(0));
}

Task<std::optional<OrderRange>> ReportStore::Start(std::int64_t id, int attempt, std::string now,
                                                   keel::data::CallOptions options) {
  std::optional<OrderRange> range;
  std::function<keel::Result<void>(keel::data::Tx&)> body =
      [&](keel::data::Tx& tx) -> keel::Result<void> {
    auto rows = tx.Query(sql::kStart, Params(id, attempt, now));
    if (!rows) {
      return std::move(rows).error();
    }
    if (!rows->empty()) {
      const auto& row = (*rows)[0];
      range = OrderRange{.first = row.Int(0), .last = row.Int(1), .cursor = row.Int(2)};
    }
    return {};
  };
  auto done = co_await db_.Transaction(body, options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return range;
}

Task<ChunkSums> ReportStore::Chunk(const Report& report, std::int64_t after, std::int64_t upto,
                                   keel::data::CallOptions options) {
  auto rows = co_await chunk_reads_->Query(sql::kChunk, Params(after, upto, report.from, report.to),
                                           options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  ChunkSums sums;
  for (const auto& row : *rows) {
    if (row.IsNull(0)) {
      sums.orders = row.Int(1);
      continue;
    }
    sums.categories.push_back(CategorySales{.category = std::string(row.Text(0)),
                                            .orders = row.Int(1),
                                            .units = row.Int(2),
                                            .revenue_cents = row.Int(3)});
  }
  co_return sums;
}

Task<bool> ReportStore::Advance(std::int64_t id, std::int64_t from, std::int64_t to, int progress,
                                const ChunkSums& sums, std::string now,
                                keel::data::CallOptions options) {
  bool moved = false;
  const std::string partials = PartialsJson(sums.categories);
  std::function<keel::Result<void>(keel::data::Tx&)> body =
      [&](keel::data::Tx& tx) -> keel::Result<void> {
    auto advanced = tx.Execute(sql::kAdvance, Params(id, from, to, progress, sums.orders, now));
    if (!advanced) {
      return std::move(advanced).error();
    }
    if (advanced->rows_affected != 1) {
      return {};  // another attempt moved the cursor: add nothing
    }
    if (!sums.categories.empty()) {
      auto added = tx.Execute(sql::kAddPartials, Params(id, partials));
      if (!added) {
        return std::move(added).error();
      }
    }
    moved = true;
    return {};
  };
  auto done = co_await db_.Transaction(body, options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return moved;
}

Task<bool> ReportStore::Finish(const Report& report, std::string now,
                               keel::data::CallOptions options) {
  bool finished = false;
  std::function<keel::Result<void>(keel::data::Tx&)> body =
      [&](keel::data::Tx& tx) -> keel::Result<void> {
    auto rows = tx.Query(sql::kPartials, Params(report.id));
    if (!rows) {
      return std::move(rows).error();
    }
    auto count = tx.Query(sql::kOrderCount, Params(report.id));
    if (!count) {
      return std::move(count).error();
    }
    std::vector<CategorySales> categories;
    categories.reserve(rows->size());
    for (const auto& row : *rows) {
      categories.push_back(CategorySales{.category = std::string(row.Text(0)),
                                         .orders = row.Int(1),
                                         .units = row.Int(2),
                                         .revenue_cents = row.Int(3)});
    }
    const std::int64_t orders = count->empty() ? 0 : (*count)[0].Int(0);
    const std::string result = SalesResultJson(report, categories, orders, now);
    auto written = tx.Execute(sql::kFinish, Params(report.id, result, now));
    if (!written) {
      return std::move(written).error();
    }
    finished = written->rows_affected == 1;
    return {};
  };
  auto done = co_await db_.Transaction(body, options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return finished;
}

}  // namespace shop::reports
