// keel/http/problem.hpp — every error response is RFC 9457 application/problem+json.
//
//   co_return keel::http::ProblemResponse(404, "no product with id 42", ctx.request_id());
//   co_return keel::http::ErrorResponse(result.error(), ctx.request_id());  // status from code
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/core/error.hpp"
#include "keel/http/response.hpp"

namespace keel::http {

struct ProblemFieldError {
  std::string field;   // JSON pointer or parameter name ("/items/0/quantity", "limit")
  std::string detail;  // what is wrong with it
};

struct Problem {
  int status = 500;
  std::string detail;
  std::string type = "about:blank";       // a URI; about:blank means "see the status code"
  std::string title;                      // defaults to the status reason phrase
  std::vector<ProblemFieldError> errors;  // per-field validation errors (extension member)
};

// A problem+json response; `instance` is the request id.
[[nodiscard]] Response ProblemResponse(const Problem& problem, std::string_view instance);
[[nodiscard]] Response ProblemResponse(int status, std::string_view detail,
                                       std::string_view instance);
// The one mapping from a keel::Error to an HTTP response: status from ErrorHttpStatus, detail from
// the message, Retry-After from retry_after().
[[nodiscard]] Response ErrorResponse(const Error& error, std::string_view instance);

}  // namespace keel::http
