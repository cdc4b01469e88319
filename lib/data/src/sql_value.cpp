#include "keel/data/sql_value.hpp"

#include <string>

#include "keel/core/check.hpp"

namespace keel::data {

std::int64_t SqlValue::AsInt() const noexcept {
  if (const auto* i = std::get_if<std::int64_t>(&v_)) {
    return *i;
  }
  if (const auto* d = std::get_if<double>(&v_)) {
    return static_cast<std::int64_t>(*d);
  }
  return 0;
}

double SqlValue::AsDouble() const noexcept {
  if (const auto* d = std::get_if<double>(&v_)) {
    return *d;
  }
  if (const auto* i = std::get_if<std::int64_t>(&v_)) {
    return static_cast<double>(*i);
  }
  return 0.0;
}

std::string_view SqlValue::AsText() const noexcept {
  if (const auto* s = std::get_if<std::string>(&v_)) {
    return *s;
  }
  if (const auto* b = std::get_if<Blob>(&v_)) {
    // Bytes stored as a BLOB read as text unchanged (e.g. JSON written by another client).
    return {reinterpret_cast<const char*>(b->bytes.data()), b->bytes.size()};
  }
  return {};
}

std::size_t ResultSet::Column(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) {
      return i;
    }
  }
  KEEL_CHECK(false && "ResultSet::Column: no such column");
  return 0;
}

}  // namespace keel::data
