// keel/data/database.hpp — the SQL access contract used from coroutines.
//
// Every call names its query (a metric label and log field), binds its parameters, and is bounded
// in time twice: the wait for a connection (pool acquire, at most `acquire_timeout` and never past
// the deadline; a timeout is kOverloaded → 503 + Retry-After, never an unbounded wait) and the
// query itself (interrupted at `query_timeout` or the deadline → kDeadlineExceeded). Work runs on
// the database's own bounded worker threads (its bulkhead), never on an I/O thread. Each call adds
// its wall time and a count to the request's `db` stage, which is how N+1 patterns are detected.
//
//   constexpr keel::data::Query kById{"product_by_id", "SELECT id, name FROM products WHERE id=?"};
//   auto rows = co_await db.Query(kById, keel::data::Params(id), {.deadline = ctx.deadline(),
//                                                                 .stages = &ctx.stages()});
//   if (!rows) co_return keel::http::ErrorResponse(rows.error(), ctx.request_id());
//
// Identifiers (sort columns, selected fields) are never parameters: build them only from
// whitelists in the calling code.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "keel/core/deadline.hpp"
#include "keel/core/error.hpp"
#include "keel/core/stage_account.hpp"
#include "keel/data/sql_value.hpp"

namespace keel::data {

// A named SQL statement. `name` must be a constant (it is a metric label).
struct Query {
  std::string_view name;
  std::string_view sql;
};

struct CallOptions {
  Deadline deadline = Deadline::Never();
  StageAccount* stages = nullptr;  // the request's account (I/O thread), or null
  // Per-query limit below the deadline; nullopt = the database's default query timeout.
  std::optional<std::chrono::nanoseconds> query_timeout;
};

// Statements inside a transaction run synchronously on the database's writer thread, each bounded
// by the call's deadline and the query timeout (kDeadlineExceeded). A failed statement dooms the
// transaction: it is rolled back even if the body then returns success (the first statement error
// is returned), so expected conflicts belong in the SQL (ON CONFLICT ...), not in error handling.
// A Tx is valid only inside the body it is passed to.
class Tx {
 public:
  virtual ~Tx() = default;
  [[nodiscard]] virtual Result<ResultSet> Query(const data::Query& q, const SqlParams& params) = 0;
  [[nodiscard]] virtual Result<ExecResult> Execute(const data::Query& q,
                                                   const SqlParams& params) = 0;
  // Runs one or more ';'-separated statements without parameters or results (schema changes,
  // seeding). `name` labels metrics and errors.
  [[nodiscard]] virtual Result<void> ExecuteScript(std::string_view name, std::string_view sql) = 0;
};

// Thread safety: every call may be made from any I/O thread's coroutine; it resumes on the
// caller's executor. `Query` is taken by value (two views of constants) so that an awaitable
// created from a temporary Query never dangles.
//
// Errors of every call: kOverloaded (+ Retry-After) when no connection was free within the
// acquire timeout or the wait queue is full; kDeadlineExceeded when the deadline passed while
// waiting or the statement was interrupted at the query timeout/deadline; kConflict for a
// violated constraint (the message names it); kUnavailable (+ Retry-After) when the database is
// locked or not open; kInternal for anything else (SQL errors: bugs).
class Database {
 public:
  virtual ~Database() = default;

  // A read on a reader connection.
  [[nodiscard]] virtual boost::asio::awaitable<Result<ResultSet>> Query(data::Query q,
                                                                        SqlParams params,
                                                                        CallOptions options) = 0;
  // A single write statement on the writer connection (its own transaction).
  [[nodiscard]] virtual boost::asio::awaitable<Result<ExecResult>> Execute(data::Query q,
                                                                           SqlParams params,
                                                                           CallOptions options) = 0;
  // Runs `body` in one transaction on the writer connection (on the writer's worker thread, so
  // the body must not touch I/O-thread state): committed when it returns success, rolled back
  // when it returns an error (which is passed through), a statement failed, or the deadline
  // passed before the commit. Like any timeout, a kDeadlineExceeded seen by the caller while the
  // body was already committing cannot promise the commit did not happen.
  [[nodiscard]] virtual boost::asio::awaitable<Result<void>> Transaction(
      std::function<Result<void>(Tx&)> body, CallOptions options) = 0;
};

}  // namespace keel::data
