// Timestamps as the shop stores and sends them: RFC 3339, UTC, milliseconds, fixed width
// ("2024-05-01T12:00:00.000Z"), so that text order is time order in SQL indexes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace shop {

// Milliseconds since the Unix epoch → "YYYY-MM-DDTHH:MM:SS.mmmZ" (years 0000..9999).
[[nodiscard]] std::string FormatTimestamp(std::int64_t unix_ms);
// The current wall-clock time, formatted.
[[nodiscard]] std::string NowTimestamp();

}  // namespace shop
