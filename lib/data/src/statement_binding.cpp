#include "statement_binding.hpp"

#include <string>
#include <type_traits>
#include <vector>

namespace keel::data::detail {

Result<void> BoundStatement::Bind(std::string_view name, const SqlParams& params) {
  const int expected = sqlite3_bind_parameter_count(stmt_);
  if (static_cast<std::size_t>(expected) != params.size()) {
    return Error(ErrorCode::kInternal, "query " + std::string(name) + " takes " +
                                           std::to_string(expected) + " parameters, got " +
                                           std::to_string(params.size()));
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (const int rc = BindOne(static_cast<int>(i) + 1, params[i]); rc != SQLITE_OK) {
      return Error(ErrorCode::kInternal, "query " + std::string(name) + ": cannot bind parameter " +
                                             std::to_string(i + 1) + ": " + sqlite3_errstr(rc));
    }
  }
  return {};
}

int BoundStatement::BindOne(int index, const SqlValue& value) {
  return std::visit(
      [&](const auto& v) -> int {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return sqlite3_bind_null(stmt_, index);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return sqlite3_bind_int64(stmt_, index, v);
        } else if constexpr (std::is_same_v<T, double>) {
          return sqlite3_bind_double(stmt_, index, v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
        } else {
          // A null pointer would bind NULL; an empty blob must stay an empty blob.
          if (v.bytes.empty()) {
            return sqlite3_bind_zeroblob(stmt_, index, 0);
          }
          return sqlite3_bind_blob64(stmt_, index, v.bytes.data(), v.bytes.size(), SQLITE_STATIC);
        }
      },
      value.storage());
}

int BoundStatement::Step(ResultSet* rows) {
  const int columns = sqlite3_column_count(stmt_);
  if (rows != nullptr && rows->columns.empty()) {
    rows->columns.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      rows->columns.emplace_back(sqlite3_column_name(stmt_, c));
    }
  }
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
    if (rows == nullptr) {
      continue;
    }
    std::vector<SqlValue> values;
    values.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      values.push_back(ReadColumn(c));
    }
    rows->rows.emplace_back(std::move(values));
  }
  return rc;
}

SqlValue BoundStatement::ReadColumn(int column) const {
  switch (sqlite3_column_type(stmt_, column)) {
    case SQLITE_INTEGER:
      return SqlValue(static_cast<std::int64_t>(sqlite3_column_int64(stmt_, column)));
    case SQLITE_FLOAT:
      return SqlValue(sqlite3_column_double(stmt_, column));
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
      return SqlValue(text != nullptr ? std::string(text, size) : std::string());
    }
    case SQLITE_BLOB: {
      const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
      if (data == nullptr) {
        return SqlValue(Blob{});
      }
      return SqlValue(Blob{std::vector<std::uint8_t>(data, data + size)});
    }
    default:
      return SqlValue();
  }
}

}  // namespace keel::data::detail
