// A request's query string, decoded once, with the shop's rules for reading typed parameters.
//
// Rules (docs/api.md "Query parameters"): a parameter given twice is an error (which value would
// the client mean?), a malformed percent-escape is an error, unknown parameters are ignored, and
// an empty value is a value (`limit=` is not an integer), never "absent".
//
//   shop::FieldErrors errors;
//   auto params = shop::QueryParams::Parse(request.query(), errors);
//   std::int64_t limit = shop::ReadInt(params, "limit", {.fallback = 20, .min = 1, .max = 100},
//                                      errors);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/common/field_errors.hpp"

namespace shop {

class QueryParams {
 public:
  // Decodes `raw` (the query without '?'); problems are appended to `errors`.
  static QueryParams Parse(std::string_view raw, FieldErrors& errors);

  // The decoded value of `name`, nullopt when absent.
  [[nodiscard]] std::optional<std::string_view> Find(std::string_view name) const noexcept;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

struct IntRange {
  std::int64_t fallback = 0;  // the value when the parameter is absent
  std::int64_t min = 0;
  std::int64_t max = INT64_MAX;
};

// A decimal integer ("-"? digits, nothing else) within [min, max]; `fallback` when absent or
// invalid (an invalid value also appends a FieldError naming `name`).
std::int64_t ReadInt(const QueryParams& params, std::string_view name, const IntRange& range,
                     FieldErrors& errors);
// An optional integer within [min, max]: nullopt when absent or invalid (invalid appends).
std::optional<std::int64_t> ReadOptionalInt(const QueryParams& params, std::string_view name,
                                            std::int64_t min, std::int64_t max,
                                            FieldErrors& errors);
// "true" or "false"; nullopt when absent or invalid (invalid appends).
std::optional<bool> ReadOptionalBool(const QueryParams& params, std::string_view name,
                                     FieldErrors& errors);
// Parses a whole string as a decimal int64 (no sign '+', no spaces); nullopt otherwise.
std::optional<std::int64_t> ParseInt64(std::string_view text) noexcept;

}  // namespace shop
