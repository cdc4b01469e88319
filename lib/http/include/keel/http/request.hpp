// keel/http/request.hpp — an HTTP request as a handler sees it.
//
// Everything is a view into the connection's buffer (or its decoded-body buffer) and is valid
// until the handler's co_await chain returns its Response. Copy what must outlive the request.
//
//   auto id = request.PathParamInt("id");          // from "/v1/products/{id:int}"
//   auto limit = request.QueryParam("limit");      // percent-decoded, nullopt when absent
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/http/headers.hpp"
#include "keel/http/method.hpp"

namespace keel::http {

class Request {
 public:
  [[nodiscard]] Method method() const noexcept { return method_; }
  [[nodiscard]] std::string_view method_text() const noexcept { return method_text_; }
  [[nodiscard]] std::string_view target() const noexcept { return target_; }  // raw
  [[nodiscard]] std::string_view path() const noexcept { return path_; }      // raw, no query
  [[nodiscard]] std::string_view query() const noexcept { return query_; }    // raw, no '?'
  [[nodiscard]] int version_minor() const noexcept { return version_minor_; }
  [[nodiscard]] const Headers& headers() const noexcept { return headers_; }
  [[nodiscard]] std::optional<std::string_view> Header(std::string_view name) const noexcept {
    return headers_.Find(name);
  }
  [[nodiscard]] std::string_view body() const noexcept { return body_; }
  [[nodiscard]] std::string_view remote_address() const noexcept { return remote_address_; }

  // A path parameter of the matched route template, percent-decoded.
  [[nodiscard]] std::optional<std::string_view> PathParam(std::string_view name) const noexcept;
  // A typed {name:int} parameter (the router guarantees it parses as int64).
  [[nodiscard]] std::int64_t PathParamInt(std::string_view name) const noexcept;
  // The first query parameter with this name, percent-decoded ('+' as space); nullopt if absent.
  [[nodiscard]] std::optional<std::string> QueryParam(std::string_view name) const;

  // Used by the server and router to fill the request (not for handlers).
  struct Parts {
    Method method;
    std::string_view method_text, target, path, query;
    int version_minor;
    std::string_view body, remote_address;
  };
  // Headers are exchanged, not copied, so both sides keep their capacity across requests.
  void Assign(const Parts& parts, Headers& headers);
  void SetPathParams(std::vector<std::pair<std::string_view, std::string>> params) {
    params_ = std::move(params);
  }
  Headers& mutable_headers() noexcept { return headers_; }

 private:
  Method method_ = Method::kGet;
  std::string_view method_text_, target_, path_, query_, body_, remote_address_;
  int version_minor_ = 1;
  Headers headers_;
  std::vector<std::pair<std::string_view, std::string>> params_;  // name (route-owned) -> value
};

// Percent-decodes `in` (RFC 3986 §2.1); '+' becomes a space when `plus_as_space`. Returns nullopt
// on a malformed escape.
[[nodiscard]] std::optional<std::string> PercentDecode(std::string_view in, bool plus_as_space);

}  // namespace keel::http
