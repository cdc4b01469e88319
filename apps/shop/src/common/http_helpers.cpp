#include "src/common/http_helpers.hpp"

#include <keel/http/headers.hpp>
#include <keel/http/problem.hpp>

namespace shop {

keel::http::Response ValidationProblem(const FieldErrors& errors, std::string_view instance) {
  keel::http::Problem problem{.status = 400};
  if (errors.size() == 1) {
    const auto& only = errors.front();
    problem.detail = only.field.empty() ? only.detail : only.field + ": " + only.detail;
  } else {
    problem.detail = std::to_string(errors.size()) + " invalid fields; see errors";
  }
  problem.errors.reserve(errors.size());
  for (const auto& e : errors) {
    problem.errors.push_back({e.field, e.detail});
  }
  return keel::http::ProblemResponse(problem, instance);
}

std::optional<std::string> CombinedHeader(const keel::http::Request& request,
                                          std::string_view name) {
  std::optional<std::string> combined;
  for (const auto& field : request.headers()) {
    if (!keel::http::EqualsIgnoreCase(field.name, name)) {
      continue;
    }
    if (combined) {
      *combined += ", ";
      *combined += field.value;
    } else {
      combined.emplace(field.value);
    }
  }
  return combined;
}

}  // namespace shop
