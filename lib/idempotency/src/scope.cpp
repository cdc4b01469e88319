#include "digest.hpp"
#include "keel/idempotency/middleware.hpp"

namespace keel::idempotency {

ScopeExtractor ScopeByRemoteAddress() {
  return [](const http::Request& request, const http::RequestContext&) {
    return "ip:" + std::string(request.remote_address());
  };
}

ScopeExtractor ScopeByHeader(std::string header_name) {
  return
      [name = std::move(header_name)](const http::Request& request, const http::RequestContext&) {
        if (auto value = request.Header(name)) {
          return "h:" + detail::Sha256Hex(*value);
        }
        return "ip:" + std::string(request.remote_address());
      };
}

bool IsFinalStatus(int status) noexcept {
  // 408, 425 and 429 say "not now": the same request may well succeed when retried.
  return status < 500 && status != 408 && status != 425 && status != 429;
}

}  // namespace keel::idempotency
