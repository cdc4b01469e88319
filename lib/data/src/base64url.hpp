// Unpadded base64url (RFC 4648 §5), strict: the alphabet only, no padding, and the unused low bits
// of the last character must be zero, so every byte string has exactly one encoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keel::data::detail {

[[nodiscard]] std::string Base64UrlEncode(std::string_view bytes);
// nullopt when `text` is not canonical unpadded base64url.
[[nodiscard]] std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace keel::data::detail
