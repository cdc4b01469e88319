// method.cpp — HTTP request methods (RFC 9110 §9).
#include "keel/http/method.hpp"

#include <array>

namespace keel::http {

namespace {

constexpr std::array<std::string_view, kMethodCount> kNames = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "OTHER",
};

}  // namespace

Method ParseMethod(std::string_view token) noexcept {
  // Method names are case-sensitive (RFC 9110 §9.1); dispatch on the length first.
  switch (token.size()) {
    case 3:
      if (token == "GET")
        return Method::kGet;
      if (token == "PUT")
        return Method::kPut;
      break;
    case 4:
      if (token == "POST")
        return Method::kPost;
      if (token == "HEAD")
        return Method::kHead;
      break;
    case 5:
      if (token == "PATCH")
        return Method::kPatch;
      if (token == "TRACE")
        return Method::kTrace;
      break;
    case 6:
      if (token == "DELETE")
        return Method::kDelete;
      break;
    case 7:
      if (token == "OPTIONS")
        return Method::kOptions;
      if (token == "CONNECT")
        return Method::kConnect;
      break;
    default:
      break;
  }
  return Method::kOther;
}

std::string_view MethodName(Method m) noexcept {
  const auto i = static_cast<std::size_t>(m);
  return i < kNames.size() ? kNames[i] : kNames[static_cast<std::size_t>(Method::kOther)];
}

}  // namespace keel::http
