// PATCH /v1/products/{id}: validating a JSON merge patch (RFC 7396) and the If-Match condition.
//
// A patch is an object setting any of name (1..200 characters), price_cents (integer ≥ 0) and
// stock (integer ≥ 0). Other members, and null (which would mean "remove" in a merge patch), are
// refused: these members are required. An empty patch is refused too (it would change nothing).
// Accepted media types: application/merge-patch+json and application/json.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/common/etag.hpp"
#include "src/common/field_errors.hpp"

namespace shop::products {

inline constexpr std::size_t kMaxNameLength = 200;  // characters (code points)

struct ProductPatch {
  std::optional<std::string> name;
  std::optional<std::int64_t> price_cents;
  std::optional<std::int64_t> stock;
};

// Problems are appended to `errors` with JSON pointers ("/price_cents", "" for the whole body).
[[nodiscard]] ProductPatch ParseProductPatch(const boost::json::value& body, FieldErrors& errors);

[[nodiscard]] bool IsPatchMediaType(std::string_view content_type) noexcept;

// The versions a request's If-Match accepts for product `id`: any current one for "*", else the
// versions named by its strong tags "p<id>-v<n>" (weak tags never match, RFC 9110 §13.1.1). An
// empty list can match nothing: the update then fails its precondition (412).
struct VersionCondition {
  bool any = false;
  std::vector<std::int64_t> versions;
};
[[nodiscard]] VersionCondition ConditionFromIfMatch(const EntityTagList& if_match, std::int64_t id);

}  // namespace shop::products
