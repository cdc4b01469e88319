// keel/http/json_body.hpp — reading a JSON request body the strict way.
//
// 415 unless the Content-Type is application/json (or a +json type); 400 for malformed JSON with
// the byte offset, line and column of the error; 400 for duplicate object keys (validators and
// handlers must see the same value, reliability.md J4), nesting deeper than max_depth, invalid
// UTF-8, or trailing data. Errors come back as a keel::Error whose message is the precise detail.
//
//   auto body = keel::http::ParseJsonBody(request);
//   if (!body) co_return keel::http::ErrorResponse(body.error(), ctx.request_id());
//   const boost::json::object* obj = body->if_object();
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

#include "keel/core/error.hpp"
#include "keel/http/request.hpp"

namespace keel::http {

struct JsonBodyOptions {
  std::size_t max_depth = 64;
  bool allow_empty = false;  // an empty body is an error unless allowed (then: null)
};

// Content-Type check + ParseJson.
[[nodiscard]] Result<boost::json::value> ParseJsonBody(const Request& request,
                                                       const JsonBodyOptions& options = {});
// Parses a JSON text strictly (see above), without the media-type check.
[[nodiscard]] Result<boost::json::value> ParseJson(std::string_view text,
                                                   const JsonBodyOptions& options = {});
// True for application/json and application/<something>+json (parameters ignored).
[[nodiscard]] bool IsJsonMediaType(std::string_view content_type) noexcept;

}  // namespace keel::http
