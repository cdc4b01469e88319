// server_timing.hpp — the Server-Timing header value (W3C Server Timing), private to keel::http.
#pragma once

#include <chrono>
#include <string>

#include "keel/core/stage_account.hpp"

namespace keel::http {

// Appends "read;dur=0.012, app;dur=0.120, db;dur=0.050;desc=\"3\", total;dur=0.200": every stage
// with a count, durations in milliseconds; sub-stages carry their operation count in desc.
void AppendServerTiming(std::string& out, const StageAccount& stages,
                        std::chrono::nanoseconds total);

}  // namespace keel::http
