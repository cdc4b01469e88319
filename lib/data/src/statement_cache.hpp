// A connection's prepared statements, least recently used evicted first, keyed by SQL text.
//
// Preparing is a large share of a short query's cost; the same few statements run all day, so
// each connection keeps them prepared. Not thread-safe: owned by one connection, which is used by
// one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "keel/core/error.hpp"
#include "keel/core/metrics.hpp"

namespace keel::data::detail {

class StatementCache {
 public:
  // `prepared` (may be null) counts cache misses.
  StatementCache(sqlite3* db, std::size_t capacity, Counter* prepared);
  ~StatementCache();  // finalizes every statement
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // The prepared statement for `sql`, preparing it on a miss. The caller resets it and clears
  // its bindings after use (the cache hands out reset statements only if callers do). Errors:
  // the SQL does not compile, or holds more than one statement (kInternal, naming `name`).
  [[nodiscard]] Result<sqlite3_stmt*> Get(std::string_view name, std::string_view sql);

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] std::uint64_t hits() const noexcept { return hits_; }
  [[nodiscard]] std::uint64_t misses() const noexcept { return misses_; }

 private:
  struct Entry {
    std::string sql;
    sqlite3_stmt* stmt;
  };
  [[nodiscard]] Result<sqlite3_stmt*> Prepare(std::string_view name, std::string_view sql);
  void EvictOldest();

  sqlite3* db_;
  std::size_t capacity_;
  Counter* prepared_;
  std::list<Entry> entries_;  // most recently used first
  // Keys view the Entry's own string (list nodes never move), so a hit allocates nothing.
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace keel::data::detail
