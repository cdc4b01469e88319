// keel/data/sql_value.hpp — values crossing the SQL boundary, and result sets.
//
// Parameters are always bound, never spliced into SQL text. Result sets are materialised (they
// cross from the database's worker thread to the request's I/O thread).
//
//   auto rows = co_await db.Query(kProductById, keel::data::Params(id), options);
//   if (rows && !rows->empty()) { std::int64_t price = (*rows)[0].Int(2); }
//
// Inside a coroutine, build parameters with Params(...) (or in a named variable), not as a braced
// list in the co_await expression: g++ 12 rejects `co_await db.Query(q, {id}, o)` ("array used
// as initializer", its bug with initializer_list temporaries in coroutines).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace keel::data {

struct Blob {
  std::vector<std::uint8_t> bytes;
};

class SqlValue {
 public:
  using Storage = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;
  SqlValue() = default;                                           // NULL
  SqlValue(std::nullptr_t) {}                                     // NOLINT: implicit by design
  SqlValue(std::int64_t v) : v_(v) {}                             // NOLINT
  SqlValue(int v) : v_(static_cast<std::int64_t>(v)) {}           // NOLINT
  SqlValue(bool v) : v_(static_cast<std::int64_t>(v ? 1 : 0)) {}  // NOLINT
  SqlValue(double v) : v_(v) {}                                   // NOLINT
  SqlValue(std::string v) : v_(std::move(v)) {}                   // NOLINT
  SqlValue(std::string_view v) : v_(std::string(v)) {}            // NOLINT
  SqlValue(const char* v) : v_(std::string(v)) {}                 // NOLINT
  SqlValue(Blob v) : v_(std::move(v)) {}                          // NOLINT

  [[nodiscard]] bool IsNull() const noexcept { return v_.index() == 0; }
  [[nodiscard]] const Storage& storage() const noexcept { return v_; }
  // Typed access; a NULL reads as 0 / 0.0 / "" (check IsNull() where NULL is meaningful).
  [[nodiscard]] std::int64_t AsInt() const noexcept;
  [[nodiscard]] double AsDouble() const noexcept;
  [[nodiscard]] std::string_view AsText() const noexcept;

 private:
  Storage v_;
};

using SqlParams = std::vector<SqlValue>;

// The parameters `values...` in order: Params(id, name, 12.5, nullptr).
template <typename... Values>
[[nodiscard]] SqlParams Params(Values&&... values) {
  SqlParams params;
  params.reserve(sizeof...(Values));
  (params.emplace_back(std::forward<Values>(values)), ...);
  return params;
}

class Row {
 public:
  explicit Row(std::vector<SqlValue> values) : values_(std::move(values)) {}
  [[nodiscard]] std::size_t size() const noexcept { return values_.size(); }
  [[nodiscard]] const SqlValue& operator[](std::size_t i) const { return values_.at(i); }
  [[nodiscard]] std::int64_t Int(std::size_t i) const { return values_.at(i).AsInt(); }
  [[nodiscard]] double Double(std::size_t i) const { return values_.at(i).AsDouble(); }
  [[nodiscard]] std::string_view Text(std::size_t i) const { return values_.at(i).AsText(); }
  [[nodiscard]] bool IsNull(std::size_t i) const { return values_.at(i).IsNull(); }

 private:
  std::vector<SqlValue> values_;
};

struct ResultSet {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  [[nodiscard]] bool empty() const noexcept { return rows.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return rows.size(); }
  const Row& operator[](std::size_t i) const { return rows.at(i); }
  [[nodiscard]] auto begin() const noexcept { return rows.begin(); }
  [[nodiscard]] auto end() const noexcept { return rows.end(); }
  // Index of a column by name (KEEL_CHECK: the column exists).
  [[nodiscard]] std::size_t Column(std::string_view name) const;
};

struct ExecResult {
  std::int64_t rows_affected = 0;
  std::int64_t last_insert_id = 0;
};

}  // namespace keel::data
