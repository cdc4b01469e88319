// GET /v1/users/{id}/orders?status=&limit=&cursor=: the validated request and its cursors.
//
// Newest first (id descending). status ∈ pending|paid|shipped|cancelled (absent = all), limit
// 1..100 (default 20). The cursor is a signed payload {"t":"orders","u":<user id>,
// "st":<status or "">,"k":[<id of the last order>]}: bound to the user and the status filter, so
// it is refused (400, field "cursor") for another user, another status, or when altered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "src/common/cursor.hpp"
#include "src/common/field_errors.hpp"
#include "src/common/query_params.hpp"

namespace shop::orders {

inline constexpr std::int64_t kDefaultLimit = 20;
inline constexpr std::int64_t kMaxLimit = 100;

struct ListQuery {
  std::int64_t user_id = 0;
  std::optional<std::string> status;
  std::int64_t limit = kDefaultLimit;
  std::optional<std::int64_t> before_id;  // from the cursor: continue with smaller ids
};

// Every problem is appended to `errors`; the query is meaningful only when none were.
[[nodiscard]] ListQuery ParseListQuery(std::int64_t user_id, const QueryParams& params,
                                       const CursorSigner& signer, FieldErrors& errors);

// The cursor of the page after the one ending with order `last_id`.
[[nodiscard]] std::string EncodeListCursor(const CursorSigner& signer, const ListQuery& query,
                                           std::int64_t last_id);

}  // namespace shop::orders
