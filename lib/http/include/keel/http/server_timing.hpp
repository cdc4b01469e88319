// keel/http/server_timing.hpp — a request's latency-budget account as a Server-Timing header.
//
// W3C Server Timing syntax: every stage that ran, in stage order, with its duration in
// milliseconds (3 decimals); wait stages carry their operation count ("3 queries"); then total.
//
//   read;dur=0.012, app;dur=0.120, db;dur=0.050;desc="3 queries", total;dur=0.200
#pragma once

#include <chrono>
#include <string>

#include "keel/core/stage_account.hpp"

namespace keel::http {

void AppendServerTiming(std::string& out, const StageAccount& stages,
                        std::chrono::nanoseconds total);
[[nodiscard]] std::string FormatServerTiming(const StageAccount& stages,
                                             std::chrono::nanoseconds total);

}  // namespace keel::http
