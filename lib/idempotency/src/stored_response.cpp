#include "keel/http/headers.hpp"
#include "keel/idempotency/store.hpp"

namespace keel::idempotency {

StoredResponse StoredResponse::From(const http::Response& response,
                                    std::span<const std::string> header_names) {
  StoredResponse stored{.status = response.status(), .body = response.body()};
  for (const auto& [name, value] : response.headers()) {
    for (const std::string& wanted : header_names) {
      if (http::EqualsIgnoreCase(name, wanted)) {
        stored.headers.emplace_back(name, value);
        break;
      }
    }
  }
  return stored;
}

http::Response StoredResponse::ToResponse() const {
  http::Response response(status);
  for (const auto& [name, value] : headers) {
    response.AddHeader(name, value);
  }
  response.set_body(body);
  return response;
}

}  // namespace keel::idempotency
