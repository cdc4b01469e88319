// keel/http/deadline_header.hpp — a client's deadline, as sent in request headers.
//
// Accepted, in this order of precedence: `X-Request-Timeout: <ms>` (keel's own, 1–8 digits),
// `X-YaTaxi-Client-TimeoutMs: <ms>` (userver's), `grpc-timeout: <1–8 digits><H|M|S|m|u|n>`
// (gRPC's syntax). A duration, not a time point, because clocks are not synchronised. It only ever
// tightens the route's own budget.
//
//   auto timeout = keel::http::ClientTimeout(request.headers());  // nullopt: none sent
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "keel/core/error.hpp"
#include "keel/http/headers.hpp"

namespace keel::http {

// nullopt when no deadline header was sent; kInvalidArgument naming the header when malformed.
[[nodiscard]] Result<std::optional<std::chrono::nanoseconds>> ClientTimeout(const Headers& headers);
// Parses one grpc-timeout value ("250m", "1S").
[[nodiscard]] std::optional<std::chrono::nanoseconds> ParseGrpcTimeout(std::string_view v);

}  // namespace keel::http
