// A product as the API and the store see it, its strong ETag and its JSON form.
//
// JSON members, always in this order: id, name, category, price_cents, stock, rating, updated_at,
// version. A sparse fieldset (`fields=id,name`) writes a subset in the same order.
#pragma once

#include <cstdint>
#include <keel/data/sql_value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "src/common/field_errors.hpp"
#include "src/common/json_writer.hpp"

namespace shop::products {

struct Product {
  std::int64_t id = 0;
  std::string name;
  std::string category;
  std::int64_t price_cents = 0;
  std::int64_t stock = 0;
  double rating = 0;
  std::string updated_at;
  std::int64_t version = 1;
};

// The columns every product query selects, in the order ProductFromRow reads them.
inline constexpr std::string_view kProductColumns =
    "id, name, category, price_cents, stock, rating, updated_at, version";
[[nodiscard]] Product ProductFromRow(const keel::data::Row& row);

// The strong ETag of a product version, quotes included: "p42-v3". It changes exactly when the
// product does, since every write bumps `version`.
[[nodiscard]] std::string ProductETag(std::int64_t id, std::int64_t version);
// The version named by a strong ETag of product `id`, nullopt for any other tag.
[[nodiscard]] std::optional<std::int64_t> VersionFromETag(std::string_view opaque, std::int64_t id);

// A set of product JSON members (bit i = member i of the order above).
using FieldMask = std::uint8_t;
inline constexpr FieldMask kAllFields = 0xff;

// Parses `fields=id,name,price_cents` (whitelisted names only; repeats are harmless). An unknown
// or empty name appends a FieldError for "fields" naming it.
[[nodiscard]] FieldMask ParseFieldMask(std::string_view csv, FieldErrors& errors);

void WriteProduct(JsonWriter& writer, const Product& product, FieldMask fields = kAllFields);
[[nodiscard]] std::string ProductJson(const Product& product);

}  // namespace shop::products
