// Binding parameters to a cached statement, stepping it, and reading its rows by column type.
#pragma once

#include <sqlite3.h>

#include <string_view>

#include "keel/core/error.hpp"
#include "keel/data/sql_value.hpp"

namespace keel::data::detail {

// A cached statement in use: its destructor resets it and clears its bindings, so the cache
// always holds statements ready for the next caller, on every path out (errors included).
class BoundStatement {
 public:
  explicit BoundStatement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  ~BoundStatement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  BoundStatement(const BoundStatement&) = delete;
  BoundStatement& operator=(const BoundStatement&) = delete;

  // Binds by position, each by its type. Values are bound without copying (SQLITE_STATIC):
  // `params` must outlive this object. kInternal when the count differs from the statement's.
  [[nodiscard]] Result<void> Bind(std::string_view name, const SqlParams& params);
  // Steps to the end; appends rows to `rows` when not null. Returns SQLITE_DONE or the error code.
  [[nodiscard]] int Step(ResultSet* rows);

 private:
  [[nodiscard]] int BindOne(int index, const SqlValue& value);
  [[nodiscard]] SqlValue ReadColumn(int column) const;

  sqlite3_stmt* stmt_;
};

}  // namespace keel::data::detail
