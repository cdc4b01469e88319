// Opaque, signed pagination cursors carrying a small JSON object.
//
// keel::data::CursorCodec does the cryptography (HMAC-SHA256 over the payload, base64url); this
// adds the shop's payload handling: a cursor must decode to a JSON object, otherwise it is
// refused like a tampered one. What a payload holds is each list's business (see
// products/list_cursor.hpp, orders/list_query.hpp); the values in it are still bound as SQL
// parameters, never trusted as text.
//
//   shop::CursorSigner signer(config.GetString("shop.cursor_secret"));
//   std::string next = signer.Sign({{"t", "p"}, {"k", {42}}});
//   std::optional<boost::json::object> payload = signer.Verify(next);
//
// Thread safety: const methods may be called from any thread.
#pragma once

#include <boost/json/object.hpp>
#include <keel/data/cursor.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace shop {

class CursorSigner {
 public:
  explicit CursorSigner(std::string_view secret);

  [[nodiscard]] std::string Sign(const boost::json::object& payload) const;
  // The payload, or nullopt when the cursor is malformed, was tampered with or was signed with
  // another secret.
  [[nodiscard]] std::optional<boost::json::object> Verify(std::string_view cursor) const;

 private:
  keel::data::CursorCodec codec_;
};

// A short digest of a canonical text (FNV-1a 64, hex). It only has to tell different filter sets
// apart inside a payload that is already signed, so it needs no cryptographic strength.
[[nodiscard]] std::string Digest(std::string_view canonical);

}  // namespace shop
