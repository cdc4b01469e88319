// Statements on a checked-out connection within one call, and transactions built on them.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "keel/core/deadline.hpp"
#include "keel/data/database.hpp"
#include "sqlite_connection.hpp"
#include "sqlite_metrics.hpp"

namespace keel::data::detail {

// One call's statements: each bounded by the call's deadline tightened by the query timeout
// (from the statement's start), each timed and its errors counted per query name.
class StatementScope {
 public:
  StatementScope(SqliteConnection& conn, QueryMetrics& metrics, Deadline deadline,
                 std::optional<Duration> query_timeout) noexcept
      : conn_(conn), metrics_(metrics), deadline_(deadline), query_timeout_(query_timeout) {}

  [[nodiscard]] Result<ResultSet> Query(const data::Query& q, const SqlParams& params);
  [[nodiscard]] Result<ExecResult> Execute(const data::Query& q, const SqlParams& params);
  [[nodiscard]] Result<void> ExecuteScript(std::string_view name, std::string_view sql);
  // A statement that must not be interrupted (COMMIT, ROLLBACK): no deadline.
  [[nodiscard]] Result<void> Unbounded(const data::Query& q);

  [[nodiscard]] SqliteConnection& connection() noexcept { return conn_; }
  [[nodiscard]] Deadline deadline() const noexcept { return deadline_; }

 private:
  [[nodiscard]] Deadline StatementDeadline() const;
  void Record(std::string_view name, TimePoint started, const Error* error);

  SqliteConnection& conn_;
  QueryMetrics& metrics_;
  Deadline deadline_;
  std::optional<Duration> query_timeout_;
};

// BEGIN IMMEDIATE; body; COMMIT — or ROLLBACK when the body returns an error (passed through), a
// statement failed (the first such error is returned), the body threw (kInternal), or the
// deadline passed before COMMIT (kDeadlineExceeded).
[[nodiscard]] Result<void> RunTransaction(StatementScope& scope,
                                          const std::function<Result<void>(Tx&)>& body);

}  // namespace keel::data::detail
