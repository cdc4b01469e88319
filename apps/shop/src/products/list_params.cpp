#include "src/products/list_params.hpp"

#include <boost/json/array.hpp>

namespace shop::products {

namespace {

constexpr std::string_view kKind = "products";

Filters ParseFilters(const QueryParams& params, FieldErrors& errors) {
  Filters f;
  if (auto category = params.Find("category")) {
    if (category->empty() || category->size() > kMaxCategoryLength) {
      AddFieldError(errors, "category", "must be 1 to 100 characters");
    } else {
      f.category = std::string(*category);
    }
  }
  f.min_price = ReadOptionalInt(params, "min_price", 0, INT64_MAX, errors);
  f.max_price = ReadOptionalInt(params, "max_price", 0, INT64_MAX, errors);
  if (f.min_price && f.max_price && *f.min_price > *f.max_price) {
    AddFieldError(errors, "min_price", "must not exceed max_price");
  }
  f.in_stock = ReadOptionalBool(params, "in_stock", errors);
  return f;
}

// The position a cursor carries, checked against the sort and filters of this request.
std::optional<Position> DecodePosition(const boost::json::object& payload, const ListQuery& q) {
  const auto* kind = payload.if_contains("t");
  const auto* sort = payload.if_contains("s");
  const auto* digest = payload.if_contains("f");
  const auto* key = payload.if_contains("k");
  if (kind == nullptr || sort == nullptr || digest == nullptr || key == nullptr ||
      !key->is_array()) {
    return std::nullopt;
  }
  const auto* kind_text = kind->if_string();
  const auto* sort_text = sort->if_string();
  const auto* digest_text = digest->if_string();
  if (kind_text == nullptr || *kind_text != kKind || sort_text == nullptr ||
      *sort_text != SortName(q.sort) || digest_text == nullptr ||
      *digest_text != Digest(CanonicalFilters(q.filters))) {
    return std::nullopt;
  }
  const auto& k = key->get_array();
  const std::size_t expected = q.sort == Sort::kId ? 1 : 2;
  if (k.size() != expected || !k.back().is_int64()) {
    return std::nullopt;
  }
  Position position{.id = k.back().get_int64()};
  if (q.sort == Sort::kUpdatedDesc && k.front().is_string()) {
    position.sort_value = std::string(k.front().get_string());
  } else if (q.sort != Sort::kId && q.sort != Sort::kUpdatedDesc && k.front().is_int64()) {
    position.sort_value = k.front().get_int64();
  } else if (q.sort != Sort::kId) {
    return std::nullopt;
  }
  return position;
}

}  // namespace

ListQuery ParseListQuery(const QueryParams& params, const CursorSigner& signer,
                         FieldErrors& errors) {
  ListQuery q;
  q.filters = ParseFilters(params, errors);
  if (auto sort = params.Find("sort")) {
    if (auto parsed = ParseSort(*sort)) {
      q.sort = *parsed;
    } else {
      AddFieldError(errors, "sort", "must be one of id, price, -price, -updated_at");
    }
  }
  q.limit =
      ReadInt(params, "limit", {.fallback = kDefaultLimit, .min = 1, .max = kMaxLimit}, errors);
  if (auto fields = params.Find("fields")) {
    q.fields = ParseFieldMask(*fields, errors);
  }
  const auto cursor = params.Find("cursor");
  if (!cursor || !errors.empty()) {
    return q;  // a cursor is checked against a valid sort and filters only
  }
  const auto payload = signer.Verify(*cursor);
  if (!payload) {
    AddFieldError(errors, "cursor", "not a cursor issued by this service (malformed or altered)");
    return q;
  }
  q.after = DecodePosition(*payload, q);
  if (!q.after) {
    AddFieldError(errors, "cursor",
                  "issued for a different sort or filters; repeat the original query's sort and "
                  "filters, or start again without a cursor");
  }
  return q;
}

std::string EncodeListCursor(const CursorSigner& signer, const ListQuery& q, const Product& last) {
  const Position position = PositionAfter(last, q.sort);
  boost::json::array key;
  if (q.sort == Sort::kUpdatedDesc) {
    key.emplace_back(position.sort_value.AsText());
  } else if (q.sort != Sort::kId) {
    key.emplace_back(position.sort_value.AsInt());
  }
  key.emplace_back(position.id);
  return signer.Sign({{"t", kKind},
                      {"s", SortName(q.sort)},
                      {"f", Digest(CanonicalFilters(q.filters))},
                      {"k", std::move(key)}});
}

}  // namespace shop::products
