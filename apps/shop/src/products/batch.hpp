// POST /v1/products/batch: validating {"ids":[...]} and ordering what one query found.
//
// 1..100 integer ids. Duplicates are allowed and collapsed: each distinct id appears once, in
// `items` or in `missing`, at the position of its first occurrence in the request (docs/api.md).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <vector>

#include "src/common/field_errors.hpp"
#include "src/products/product.hpp"

namespace shop::products {

inline constexpr std::size_t kMaxBatchIds = 100;

// The distinct ids in first-occurrence order; problems are appended to `errors` (JSON pointers:
// "" for a body that is not an object, "/ids", "/ids/3", "/other_member").
[[nodiscard]] std::vector<std::int64_t> ParseBatchIds(const boost::json::value& body,
                                                      FieldErrors& errors);

struct BatchResult {
  std::vector<Product> items;         // found, in request order
  std::vector<std::int64_t> missing;  // not found, in request order
};

// Arranges `found` (any order) by `ids` (distinct, request order).
[[nodiscard]] BatchResult ArrangeBatch(const std::vector<std::int64_t>& ids,
                                       std::vector<Product> found);

}  // namespace shop::products
