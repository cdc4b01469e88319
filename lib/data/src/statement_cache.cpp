#include "statement_cache.hpp"

#include "sqlite_error.hpp"

namespace keel::data::detail {

namespace {
// True when the text after the first statement is only whitespace and semicolons.
bool OnlySeparators(const char* tail, const char* end) {
  for (; tail < end; ++tail) {
    const char c = *tail;
    if (c != ';' && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      return false;
    }
  }
  return true;
}
}  // namespace

StatementCache::StatementCache(sqlite3* db, std::size_t capacity, Counter* prepared)
    : db_(db), capacity_(capacity), prepared_(prepared) {}

StatementCache::~StatementCache() {
  for (auto& e : entries_) {
    sqlite3_finalize(e.stmt);
  }
}

Result<sqlite3_stmt*> StatementCache::Get(std::string_view name, std::string_view sql) {
  if (auto it = index_.find(sql); it != index_.end()) {
    entries_.splice(entries_.begin(), entries_, it->second);
    ++hits_;
    return it->second->stmt;
  }
  ++misses_;
  if (prepared_ != nullptr) {
    prepared_->Add();
  }
  return Prepare(name, sql);
}

Result<sqlite3_stmt*> StatementCache::Prepare(std::string_view name, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, rc, name, Duration::zero());
  }
  if (stmt == nullptr || !OnlySeparators(tail, sql.data() + sql.size())) {
    sqlite3_finalize(stmt);
    return Error(ErrorCode::kInternal,
                 "query " + std::string(name) +
                     ": the SQL must hold exactly one statement (scripts: Tx::ExecuteScript)");
  }
  if (entries_.size() >= capacity_) {
    EvictOldest();
  }
  entries_.push_front(Entry{std::string(sql), stmt});
  index_.emplace(entries_.front().sql, entries_.begin());
  return stmt;
}

void StatementCache::EvictOldest() {
  Entry& oldest = entries_.back();
  index_.erase(oldest.sql);
  sqlite3_finalize(oldest.stmt);
  entries_.pop_back();
}

}  // namespace keel::data::detail
