#include "keel/http/problem.hpp"

#include "keel/core/json_string.hpp"

namespace keel::http {

Response ProblemResponse(const Problem& p, std::string_view instance) {
  std::string body;
  body.reserve(128 + p.detail.size());
  body += "{\"type\":";
  AppendJsonString(body, p.type);
  body += ",\"title\":";
  AppendJsonString(body, p.title.empty() ? StatusReason(p.status) : std::string_view(p.title));
  body += ",\"status\":";
  body += std::to_string(p.status);
  body += ",\"detail\":";
  AppendJsonString(body, p.detail);
  body += ",\"instance\":";
  AppendJsonString(body, instance);
  if (!p.errors.empty()) {
    body += ",\"errors\":[";
    for (std::size_t i = 0; i < p.errors.size(); ++i) {
      body += i == 0 ? "{\"field\":" : ",{\"field\":";
      AppendJsonString(body, p.errors[i].field);
      body += ",\"detail\":";
      AppendJsonString(body, p.errors[i].detail);
      body += '}';
    }
    body += ']';
  }
  body += '}';
  Response r(p.status);
  r.SetHeader("Content-Type", "application/problem+json");
  r.set_body(std::move(body));
  return r;
}

Response ProblemResponse(int status, std::string_view detail, std::string_view instance) {
  Problem p;
  p.status = status;
  p.detail = std::string(detail);
  return ProblemResponse(p, instance);
}

Response ErrorResponse(const Error& error, std::string_view instance) {
  Response r = ProblemResponse(ErrorHttpStatus(error.code()), error.message(), instance);
  if (auto after = error.retry_after()) {
    r.SetHeader("Retry-After", std::to_string(after->count()));
  }
  return r;
}

}  // namespace keel::http
