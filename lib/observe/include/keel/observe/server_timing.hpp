// keel/observe/server_timing.hpp — a request's StageAccount as a Server-Timing header value.
//
// Server-Timing (W3C Server Timing) shows where a request's time went right in the browser's
// developer tools, with no tracing backend. Only stages that ran appear; the wait stages carry
// their operation count (how N+1 query patterns show up at a glance).
//
//   response.headers.Set("Server-Timing", keel::observe::FormatServerTiming(ctx.stages(), took));
//   // read;dur=0.012, app;dur=0.120, db;dur=0.050;desc="3 queries", total;dur=0.200
//
// Durations are milliseconds with three decimals. The value exposes internal timings: send it
// only to clients allowed to see them.
#pragma once

#include <chrono>
#include <string>

#include "keel/core/stage_account.hpp"

namespace keel::observe {

[[nodiscard]] std::string FormatServerTiming(const StageAccount& stages,
                                             std::chrono::nanoseconds total);

}  // namespace keel::observe
