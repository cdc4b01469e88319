// GET /v1/products query parameters → a validated ListQuery, and the cursors that continue it.
//
// Parameters (docs/api.md): category, min_price, max_price, in_stock, sort, limit (1..100,
// default 20), fields, cursor. A cursor is a signed payload
//   {"t":"products","s":<sort>,"f":<digest of the filters>,"k":[<sort value>,<id>]}
// ("k":[<id>] for sort=id); one from another secret, tampered, or used with another sort or other
// filters is refused (400, field "cursor"). The limit and fields may change between pages.
#pragma once

#include <string>

#include "src/common/cursor.hpp"
#include "src/common/field_errors.hpp"
#include "src/common/query_params.hpp"
#include "src/products/list_query.hpp"

namespace shop::products {

inline constexpr std::int64_t kDefaultLimit = 20;
inline constexpr std::int64_t kMaxLimit = 100;
inline constexpr std::size_t kMaxCategoryLength = 100;

// Every problem is appended to `errors`; the query is meaningful only when none were.
[[nodiscard]] ListQuery ParseListQuery(const QueryParams& params, const CursorSigner& signer,
                                       FieldErrors& errors);

// The cursor of the page that follows `last` (the last row of the current page).
[[nodiscard]] std::string EncodeListCursor(const CursorSigner& signer, const ListQuery& query,
                                           const Product& last);

}  // namespace shop::products
