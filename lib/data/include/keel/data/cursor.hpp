// keel/data/cursor.hpp — opaque, signed cursors for keyset pagination.
//
// A list endpoint returns `next_cursor`, the position after its last row (e.g. the sort key and
// id, as JSON); the client sends it back unchanged to get the next page. The cursor is signed so
// that a client cannot forge positions (e.g. to probe rows outside its filter) and so that a
// malformed one is rejected with a precise 400 before any query runs. The payload is encoded, not
// encrypted: never put anything in it the client may not see.
//
//   keel::data::CursorCodec cursors(config.GetString("shop.cursor_secret"));
//   std::string next = cursors.Encode(R"({"price":1299,"id":42})");
//   keel::Result<std::string> position = cursors.Decode(request.Query("cursor"));
//   if (!position) co_return keel::http::ErrorResponse(position.error(), ctx.request_id());
//
// Format: base64url(payload) "." base64url(HMAC-SHA256(secret, payload)), without padding.
// Thread safety: const members may be called from any thread concurrently.
#pragma once

#include <string>
#include <string_view>

#include "keel/core/error.hpp"

namespace keel::data {

class CursorCodec {
 public:
  // `secret` keys the HMAC; it must not be empty (std::invalid_argument: a configuration error,
  // raised at startup). Use at least 32 random bytes; changing it invalidates issued cursors.
  explicit CursorCodec(std::string secret);

  // The cursor for `payload_json` (any bytes; JSON by convention).
  [[nodiscard]] std::string Encode(std::string_view payload_json) const;
  // The payload of a cursor made by Encode with the same secret. kInvalidArgument (naming what is
  // wrong) for: an empty cursor, no '.' separator, a part that is not unpadded base64url, a
  // signature of the wrong length or one that does not match (compared in constant time).
  [[nodiscard]] Result<std::string> Decode(std::string_view cursor) const;

 private:
  [[nodiscard]] std::string Sign(std::string_view payload) const;

  std::string secret_;
};

}  // namespace keel::data
