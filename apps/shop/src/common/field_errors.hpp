// Validation failures of one request, one entry per offending field, so a client learns about
// every problem at once. keel::Error carries a single message, so the shop collects these beside
// it and the routes turn them into a 400 problem+json with an `errors` member.
//
//   shop::FieldErrors errors;
//   auto limit = shop::ReadInt(params, "limit", {.fallback = 20, .min = 1, .max = 100}, errors);
//   if (!errors.empty()) co_return shop::ValidationProblem(errors, ctx.request_id());
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace shop {

struct FieldError {
  std::string field;   // a query parameter ("limit"), a header ("If-Match") or a JSON pointer
  std::string detail;  // what is wrong with it, in words a client developer can act on
};

using FieldErrors = std::vector<FieldError>;

inline void AddFieldError(FieldErrors& errors, std::string field, std::string detail) {
  errors.push_back({std::move(field), std::move(detail)});
}

}  // namespace shop
