#include "sqlite_error.hpp"

#include <string>

namespace keel::data::detail {

namespace {
std::string Describe(sqlite3* db, int rc) {
  // sqlite3_errmsg describes the most recent failure on this connection, which is the one at
  // hand because a connection is used by one thread at a time.
  return db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
}
}  // namespace

Error SqliteError(sqlite3* db, int rc, std::string_view name, Duration elapsed) {
  const std::string query(name);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return Error(ErrorCode::kConflict, "query " + query + ": " + Describe(db, rc));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error(ErrorCode::kUnavailable, "query " + query + ": " + Describe(db, rc))
          .WithRetryAfter(std::chrono::seconds(1));
    case SQLITE_INTERRUPT: {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
      return Error(ErrorCode::kDeadlineExceeded,
                   "query " + query + " interrupted after " + std::to_string(ms) + " ms");
    }
    default:
      return Error(ErrorCode::kInternal,
                   "query " + query + ": " + Describe(db, rc) + " (" + sqlite3_errstr(rc) + ")");
  }
}

}  // namespace keel::data::detail
