#include "src/orders/list_query.hpp"

#include <boost/json/array.hpp>

#include "src/orders/order.hpp"

namespace shop::orders {

namespace {

constexpr std::string_view kKind = "orders";

std::optional<std::int64_t> DecodeBefore(const boost::json::object& payload, const ListQuery& q) {
  const auto* kind = payload.if_contains("t");
  const auto* user = payload.if_contains("u");
  const auto* status = payload.if_contains("st");
  const auto* key = payload.if_contains("k");
  if (kind == nullptr || user == nullptr || status == nullptr || key == nullptr) {
    return std::nullopt;
  }
  const auto* kind_text = kind->if_string();
  const auto* user_id = user->if_int64();
  const auto* status_text = status->if_string();
  const auto* k = key->if_array();
  if (kind_text == nullptr || *kind_text != kKind || user_id == nullptr || *user_id != q.user_id ||
      status_text == nullptr || *status_text != q.status.value_or("") || k == nullptr ||
      k->size() != 1 || !k->front().is_int64()) {
    return std::nullopt;
  }
  return k->front().get_int64();
}

}  // namespace

ListQuery ParseListQuery(std::int64_t user_id, const QueryParams& params,
                         const CursorSigner& signer, FieldErrors& errors) {
  ListQuery q{.user_id = user_id};
  if (auto status = params.Find("status")) {
    if (IsStatus(*status)) {
      q.status = std::string(*status);
    } else {
      AddFieldError(errors, "status", "must be one of pending, paid, shipped, cancelled");
    }
  }
  q.limit =
      ReadInt(params, "limit", {.fallback = kDefaultLimit, .min = 1, .max = kMaxLimit}, errors);
  const auto cursor = params.Find("cursor");
  if (!cursor || !errors.empty()) {
    return q;
  }
  const auto payload = signer.Verify(*cursor);
  if (!payload) {
    AddFieldError(errors, "cursor", "not a cursor issued by this service (malformed or altered)");
    return q;
  }
  q.before_id = DecodeBefore(*payload, q);
  if (!q.before_id) {
    AddFieldError(errors, "cursor",
                  "issued for another user or status filter; repeat the original query, or start "
                  "again without a cursor");
  }
  return q;
}

std::string EncodeListCursor(const CursorSigner& signer, const ListQuery& q, std::int64_t last_id) {
  return signer.Sign({{"t", kKind},
                      {"u", q.user_id},
                      {"st", q.status.value_or("")},
                      {"k", boost::json::array{last_id}}});
}

}  // namespace shop::orders
