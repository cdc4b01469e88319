// keel/http/method.hpp — HTTP request methods (RFC 9110 §9).
#pragma once

#include <cstdint>
#include <string_view>

namespace keel::http {

enum class Method : std::uint8_t {
  kGet,
  kHead,
  kPost,
  kPut,
  kPatch,
  kDelete,
  kOptions,
  kTrace,
  kConnect,
  kOther,  // a syntactically valid method token keel does not know (routed to 501)
};
inline constexpr int kMethodCount = 10;

// The method for a token (case-sensitive, RFC 9110 §9.1), kOther when unknown.
[[nodiscard]] Method ParseMethod(std::string_view token) noexcept;
[[nodiscard]] std::string_view MethodName(Method m) noexcept;

}  // namespace keel::http
