#include "sqlite_tx.hpp"

#include <exception>
#include <string>

namespace keel::data::detail {

namespace {
constexpr data::Query kBegin{"begin", "BEGIN IMMEDIATE"};
constexpr data::Query kCommit{"commit", "COMMIT"};
constexpr data::Query kRollback{"rollback", "ROLLBACK"};

// The Tx handed to a transaction body. The first failed statement dooms the transaction; later
// statements are refused with that error rather than doing work that will be rolled back.
class SqliteTx final : public Tx {
 public:
  explicit SqliteTx(StatementScope& scope) noexcept : scope_(scope) {}

  Result<ResultSet> Query(const data::Query& q, const SqlParams& params) override {
    return Track(failure_ ? Result<ResultSet>(*failure_) : scope_.Query(q, params));
  }
  Result<ExecResult> Execute(const data::Query& q, const SqlParams& params) override {
    return Track(failure_ ? Result<ExecResult>(*failure_) : scope_.Execute(q, params));
  }
  Result<void> ExecuteScript(std::string_view name, std::string_view sql) override {
    return Track(failure_ ? Result<void>(*failure_) : scope_.ExecuteScript(name, sql));
  }
  [[nodiscard]] const std::optional<Error>& failure() const noexcept { return failure_; }

 private:
  template <typename R>
  R Track(R r) {
    if (!r && !failure_) {
      failure_ = r.error();
    }
    return r;
  }

  StatementScope& scope_;
  std::optional<Error> failure_;
};

// The body's outcome; an exception from user code becomes kInternal here, on the worker thread,
// instead of terminating the process.
Result<void> RunBody(SqliteTx& tx, const std::function<Result<void>(Tx&)>& body) {
  try {
    Result<void> r = body(tx);
    if (r && tx.failure()) {
      return *tx.failure();
    }
    return r;
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("transaction body threw: ") + e.what());
  } catch (...) {
    return Error(ErrorCode::kInternal, "transaction body threw a non-exception");
  }
}

void RollBack(StatementScope& scope) {
  // Some failures (interrupt, I/O, busy) have already rolled back; ROLLBACK would then fail.
  if (scope.connection().InTransaction()) {
    (void)scope.Unbounded(kRollback);
  }
}
}  // namespace

Deadline StatementScope::StatementDeadline() const {
  return query_timeout_ ? deadline_.TightenBy(*query_timeout_) : deadline_;
}

void StatementScope::Record(std::string_view name, TimePoint started, const Error* error) {
  metrics_.Ran(name, std::chrono::steady_clock::now() - started, error);
}

Result<ResultSet> StatementScope::Query(const data::Query& q, const SqlParams& params) {
  const TimePoint started = std::chrono::steady_clock::now();
  ResultSet rows;
  auto r = conn_.Run(q.name, q.sql, params, StatementDeadline(), &rows);
  Record(q.name, started, r ? nullptr : &r.error());
  if (!r) {
    return std::move(r).error();
  }
  return rows;
}

Result<ExecResult> StatementScope::Execute(const data::Query& q, const SqlParams& params) {
  const TimePoint started = std::chrono::steady_clock::now();
  auto r = conn_.Run(q.name, q.sql, params, StatementDeadline(), nullptr);
  Record(q.name, started, r ? nullptr : &r.error());
  return r;
}

Result<void> StatementScope::ExecuteScript(std::string_view name, std::string_view sql) {
  const TimePoint started = std::chrono::steady_clock::now();
  auto r = conn_.RunScript(name, sql, StatementDeadline());
  Record(name, started, r ? nullptr : &r.error());
  return r;
}

Result<void> StatementScope::Unbounded(const data::Query& q) {
  const TimePoint started = std::chrono::steady_clock::now();
  auto r = conn_.Run(q.name, q.sql, {}, Deadline::Never(), nullptr);
  Record(q.name, started, r ? nullptr : &r.error());
  if (!r) {
    return std::move(r).error();
  }
  return {};
}

Result<void> RunTransaction(StatementScope& scope, const std::function<Result<void>(Tx&)>& body) {
  if (auto begun = scope.Execute(kBegin, {}); !begun) {
    return std::move(begun).error();
  }
  SqliteTx tx(scope);
  Result<void> outcome = RunBody(tx, body);
  if (outcome && scope.deadline().Expired()) {
    outcome = Error(ErrorCode::kDeadlineExceeded,
                    "transaction rolled back: the deadline passed before COMMIT");
  }
  if (!outcome) {
    RollBack(scope);
    return outcome;
  }
  if (auto committed = scope.Unbounded(kCommit); !committed) {
    RollBack(scope);
    return committed;
  }
  return {};
}

}  // namespace keel::data::detail
