#include "src/products/patch.hpp"

#include <boost/json/object.hpp>
#include <keel/http/headers.hpp>

#include "src/products/product.hpp"

namespace shop::products {

namespace {

std::size_t CodePoints(std::string_view utf8) noexcept {
  std::size_t n = 0;
  for (const char c : utf8) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

std::optional<std::int64_t> NonNegativeInt(const boost::json::value& v, std::string_view pointer,
                                           FieldErrors& errors) {
  if (const auto* i = v.if_int64(); i != nullptr && *i >= 0) {
    return *i;
  }
  AddFieldError(errors, std::string(pointer),
                v.is_uint64() ? "too large (at most 9223372036854775807)"
                              : "must be an integer greater than or equal to 0");
  return std::nullopt;
}

void ParseName(const boost::json::value& v, ProductPatch& patch, FieldErrors& errors) {
  const auto* name = v.if_string();
  if (name == nullptr) {
    AddFieldError(errors, "/name", "must be a string");
    return;
  }
  const std::size_t length = CodePoints(*name);
  if (length == 0 || length > kMaxNameLength) {
    AddFieldError(errors, "/name", "must be 1 to 200 characters");
    return;
  }
  patch.name = std::string(*name);
}

}  // namespace

ProductPatch ParseProductPatch(const boost::json::value& body, FieldErrors& errors) {
  ProductPatch patch;
  const auto* object = body.if_object();
  if (object == nullptr) {
    AddFieldError(errors, "", "the merge patch must be a JSON object");
    return patch;
  }
  if (object->empty()) {
    AddFieldError(errors, "", "the patch changes nothing; set name, price_cents or stock");
  }
  for (const auto& [key, value] : *object) {
    const std::string pointer = "/" + std::string(key);
    if (key != "name" && key != "price_cents" && key != "stock") {
      AddFieldError(errors, pointer, "not a patchable member; allowed: name, price_cents, stock");
    } else if (value.is_null()) {
      AddFieldError(errors, pointer, "cannot be removed (null); send a value");
    } else if (key == "name") {
      ParseName(value, patch, errors);
    } else if (key == "price_cents") {
      patch.price_cents = NonNegativeInt(value, pointer, errors);
    } else {
      patch.stock = NonNegativeInt(value, pointer, errors);
    }
  }
  return patch;
}

bool IsPatchMediaType(std::string_view content_type) noexcept {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) {
    type.remove_suffix(1);
  }
  return keel::http::EqualsIgnoreCase(type, "application/merge-patch+json") ||
         keel::http::EqualsIgnoreCase(type, "application/json");
}

VersionCondition ConditionFromIfMatch(const EntityTagList& if_match, std::int64_t id) {
  VersionCondition condition{.any = if_match.any};
  for (const auto& tag : if_match.tags) {
    if (tag.weak) {
      continue;
    }
    if (auto version = VersionFromETag(tag.opaque, id)) {
      condition.versions.push_back(*version);
    }
  }
  return condition;
}

}  // namespace shop::products
