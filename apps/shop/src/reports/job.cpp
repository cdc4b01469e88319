#include "src/reports/job.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <keel/core/with_deadline.hpp>

#include "src/common/time.hpp"

namespace shop::reports {

namespace {

using keel::Error;
using keel::ErrorCode;

boost::asio::awaitable<keel::Result<void>> RunReport(ReportStore& store,
                                                     const ReportSettings& settings,
                                                     keel::jobs::JobContext& job) {
  auto id = ParseJobArgs(job.args());
  if (!id) {
    co_return std::move(id).error();
  }
  const keel::data::CallOptions options{.deadline = job.deadline()};
  auto report = co_await store.Get(*id, options);
  if (!report) {
    if (report.error().code() == ErrorCode::kNotFound) {
      co_return Error(ErrorCode::kInvalidArgument, report.error().message());  // never will
    }
    co_return std::move(report).error();
  }
  if (report->status == "succeeded") {
    co_return keel::Result<void>();  // a redelivery after success (its ack was lost)
  }
  if (report->type == kAlwaysFail) {
    co_return Error(ErrorCode::kInternal,
                    "always_fail reports fail on every attempt (test-only type; attempt " +
                        std::to_string(job.attempt()) + " of " +
                        std::to_string(job.max_attempts()) + ")");
  }
  const std::string started_at = NowTimestamp();
  auto range = co_await store.Start(*id, job.attempt(), started_at, options);
  if (!range) {
    co_return std::move(range).error();
  }
  if (!*range) {
    co_return keel::Result<void>();  // final already
  }
  const OrderRange bounds = **range;
  std::int64_t cursor = bounds.cursor;
  while (cursor < bounds.last) {
    const std::int64_t upto = std::min(bounds.last, cursor + settings.chunk_orders);
    auto sums = co_await store.Chunk(*report, cursor, upto, options);
    if (!sums) {
      co_return std::move(sums).error();
    }
    const int progress = ProgressOf(bounds.first, bounds.last, upto);
    const std::string now = NowTimestamp();
    auto moved = co_await store.Advance(*id, cursor, upto, progress, *sums, now, options);
    if (!moved) {
      co_return std::move(moved).error();
    }
    if (!*moved) {
      co_return Error(
          ErrorCode::kConflict,
          "report " + std::to_string(*id) + " was advanced by another attempt; this attempt stops");
    }
    cursor = upto;
    (void)co_await job.ReportProgress(progress);  // the admin view; the report row has it
    if (settings.chunk_pause > std::chrono::nanoseconds::zero()) {
      auto slept = co_await keel::SleepFor(settings.chunk_pause, job.deadline());
      if (!slept) {
        co_return std::move(slept).error();
      }
    }
  }
  const std::string finished_at = NowTimestamp();
  auto finished = co_await store.Finish(*report, finished_at, options);
  if (!finished) {
    co_return std::move(finished).error();
  }
  co_return keel::Result<void>();
}

}  // namespace

keel::Result<std::int64_t> ParseJobArgs(std::string_view args) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(args, ec);
  const auto* object = ec ? nullptr : value.if_object();
  const auto* id = object != nullptr ? object->if_contains("report_id") : nullptr;
  if (id == nullptr || !id->is_int64() || id->as_int64() <= 0) {
    return Error(
        ErrorCode::kInvalidArgument,
        "report job args must be {\"report_id\": <positive integer>}, got " + std::string(args));
  }
  return id->as_int64();
}

keel::jobs::JobHandler MakeReportHandler(ReportStore& store, ReportSettings settings) {
  return
      [&store, settings](keel::jobs::JobContext& job) { return RunReport(store, settings, job); };
}

}  // namespace shop::reports
