// Mapping SQLite result codes to keel::Error (one place, so every path agrees).
#pragma once

#include <sqlite3.h>

#include <string_view>

#include "keel/core/clock.hpp"
#include "keel/core/error.hpp"

namespace keel::data::detail {

// The Error for a failed SQLite call of query `name` on `db` (extended result code `rc`):
// constraint → kConflict naming the constraint; busy/locked → kUnavailable (+ Retry-After 1 s);
// interrupt → kDeadlineExceeded "query <name> interrupted after <N> ms" (`elapsed`);
// anything else → kInternal with sqlite3_errmsg.
[[nodiscard]] Error SqliteError(sqlite3* db, int rc, std::string_view name, Duration elapsed);

}  // namespace keel::data::detail
