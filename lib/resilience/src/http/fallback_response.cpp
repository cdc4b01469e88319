#include "keel/resilience/http/fallback_response.hpp"

#include <string>

namespace keel::resilience {

void MarkDegraded(http::Response& response, FallbackCounter& counter, std::string_view reason) {
  counter.Count(reason);
  if (const std::string* existing = response.FindHeader("X-Degraded")) {
    response.SetHeader("X-Degraded", *existing + ", " + std::string(reason));
  } else {
    response.SetHeader("X-Degraded", reason);
  }
}

}  // namespace keel::resilience
