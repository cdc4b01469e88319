#include "src/products/product.hpp"

#include <array>

#include "src/common/query_params.hpp"

namespace shop::products {

namespace {

constexpr std::array<std::string_view, 8> kFieldNames = {
    "id", "name", "category", "price_cents", "stock", "rating", "updated_at", "version"};

constexpr bool Has(FieldMask mask, std::size_t field) noexcept {
  return (mask >> field & 1U) != 0;
}

}  // namespace

Product ProductFromRow(const keel::data::Row& row) {
  return Product{.id = row.Int(0),
                 .name = std::string(row.Text(1)),
                 .category = std::string(row.Text(2)),
                 .price_cents = row.Int(3),
                 .stock = row.Int(4),
                 .rating = row.Double(5),
                 .updated_at = std::string(row.Text(6)),
                 .version = row.Int(7)};
}

std::string ProductETag(std::int64_t id, std::int64_t version) {
  std::string tag = "\"p";
  tag += std::to_string(id);
  tag += "-v";
  tag += std::to_string(version);
  tag += '"';
  return tag;
}

std::optional<std::int64_t> VersionFromETag(std::string_view opaque, std::int64_t id) {
  const std::string prefix = "\"p" + std::to_string(id) + "-v";
  if (opaque.size() < prefix.size() + 2 || !opaque.starts_with(prefix) || !opaque.ends_with('"')) {
    return std::nullopt;
  }
  const auto version = ParseInt64(opaque.substr(prefix.size(), opaque.size() - prefix.size() - 1));
  // Tags compare as text: "p1-v03" is not the tag of version 3.
  if (!version || *version < 1 || ProductETag(id, *version) != opaque) {
    return std::nullopt;
  }
  return version;
}

FieldMask ParseFieldMask(std::string_view csv, FieldErrors& errors) {
  FieldMask mask = 0;
  while (true) {
    const auto comma = csv.find(',');
    const std::string_view name = csv.substr(0, comma);
    std::size_t i = 0;
    while (i < kFieldNames.size() && kFieldNames[i] != name) {
      ++i;
    }
    if (i == kFieldNames.size()) {
      AddFieldError(errors, "fields",
                    name.empty() ? "empty field name"
                                 : "unknown field \"" + std::string(name) +
                                       "\"; allowed: id, name, category, price_cents, stock, "
                                       "rating, updated_at, version");
    } else {
      mask = static_cast<FieldMask>(mask | 1U << i);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    csv.remove_prefix(comma + 1);
  }
  return mask;
}

void WriteProduct(JsonWriter& w, const Product& p, FieldMask fields) {
  w.BeginObject();
  if (Has(fields, 0)) {
    w.Key("id");
    w.Int(p.id);
  }
  if (Has(fields, 1)) {
    w.Key("name");
    w.String(p.name);
  }
  if (Has(fields, 2)) {
    w.Key("category");
    w.String(p.category);
  }
  if (Has(fields, 3)) {
    w.Key("price_cents");
    w.Int(p.price_cents);
  }
  if (Has(fields, 4)) {
    w.Key("stock");
    w.Int(p.stock);
  }
  if (Has(fields, 5)) {
    w.Key("rating");
    w.Double(p.rating);
  }
  if (Has(fields, 6)) {
    w.Key("updated_at");
    w.String(p.updated_at);
  }
  if (Has(fields, 7)) {
    w.Key("version");
    w.Int(p.version);
  }
  w.EndObject();
}

std::string ProductJson(const Product& product) {
  std::string out;
  out.reserve(192 + product.name.size());
  JsonWriter writer(out);
  WriteProduct(writer, product, kAllFields);
  return out;
}

}  // namespace shop::products
