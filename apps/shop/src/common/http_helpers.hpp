// Small pieces every shop route needs: the database call options of a request, validation
// problems, and combined header fields. Routes only (services know nothing of HTTP).
#pragma once

#include <keel/data/database.hpp>
#include <keel/http/context.hpp>
#include <keel/http/request.hpp>
#include <keel/http/response.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "src/common/field_errors.hpp"

namespace shop {

// Every query of a request is bounded by its deadline and counted in its `db` stage (the count
// shows up in Server-Timing as `db;...;desc="3 queries"`).
[[nodiscard]] inline keel::data::CallOptions DbCall(keel::http::RequestContext& ctx) noexcept {
  return {.deadline = ctx.deadline(), .stages = &ctx.stages()};
}

// 400 application/problem+json listing every field error.
[[nodiscard]] keel::http::Response ValidationProblem(const FieldErrors& errors,
                                                     std::string_view instance);

// All fields named `name` joined with ", " (RFC 9110 §5.3: a list-based field may be split
// over several lines); nullopt when the request has none.
[[nodiscard]] std::optional<std::string> CombinedHeader(const keel::http::Request& request,
                                                        std::string_view name);

}  // namespace shop
