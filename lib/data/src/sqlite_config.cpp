#include <string>

#include "keel/data/sqlite_database.hpp"

namespace keel::data {

namespace {
std::string Key(std::string_view prefix, std::string_view key) {
  return std::string(prefix) + "." + std::string(key);
}

std::optional<std::string> ValidatePath(const ConfigValue& v) {
  const auto& path = std::get<std::string>(v);
  if (path.empty()) {
    return "the database path must not be empty";
  }
  if (path == ":memory:") {
    return "an in-memory database cannot be shared by the writer and the readers; use a file";
  }
  return std::nullopt;
}

Result<void> Invalid(const SqliteSettings& s, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "database " + s.name + ": " + what);
}
}  // namespace

void AddSqliteConfig(ConfigSchema& schema, std::string_view prefix, std::string_view default_path) {
  using T = ConfigType;
  schema.Add({.name = Key(prefix, "path"),
              .type = T::kString,
              .default_value = std::string(default_path),
              .description = "SQLite database file (created if absent; WAL files beside it).",
              .validate = ValidatePath});
  schema.Add({.name = Key(prefix, "readers"),
              .type = T::kInt,
              .default_value = "4",
              .description = "Reader connections, each with its own worker thread.",
              .min = 1,
              .max = 64});
  schema.Add({.name = Key(prefix, "queue_capacity"),
              .type = T::kInt,
              .default_value = "256",
              .description = "Calls waiting for a connection, per role; past it 503.",
              .min = 1,
              .max = 1000000});
  schema.Add({.name = Key(prefix, "acquire_timeout"),
              .type = T::kDuration,
              .default_value = "1s",
              .description = "Longest wait for a connection; past it 503 + Retry-After.",
              .min = 0.001});
  schema.Add({.name = Key(prefix, "query_timeout"),
              .type = T::kDuration,
              .default_value = "5s",
              .description = "A statement running longer is interrupted (504).",
              .min = 0.001});
  schema.Add({.name = Key(prefix, "busy_timeout"),
              .type = T::kDuration,
              .default_value = "5s",
              .description = "How long a connection retries a lock held by another process.",
              .min = 0.001});
  schema.Add({.name = Key(prefix, "statement_cache"),
              .type = T::kInt,
              .default_value = "128",
              .description = "Prepared statements kept per connection.",
              .min = 1,
              .max = 100000});
  schema.Add({.name = Key(prefix, "wal_checkpoint_pages"),
              .type = T::kInt,
              .default_value = "1000",
              .description = "WAL size (pages) past which a background thread checkpoints it, so "
                             "no transaction waits for a checkpoint; 0 = SQLite's automatic "
                             "checkpoint inside the committing transaction.",
              .min = 0,
              .max = 1000000});
}

SqliteSettings SqliteSettingsFromConfig(const Config& config, std::string_view prefix) {
  SqliteSettings s;
  s.name = std::string(prefix);
  for (char& c : s.name) {
    c = c == '.' ? '_' : c;
  }
  s.path = config.GetString(Key(prefix, "path"));
  s.readers = static_cast<std::size_t>(config.GetInt(Key(prefix, "readers")));
  s.queue_capacity = static_cast<std::size_t>(config.GetInt(Key(prefix, "queue_capacity")));
  s.acquire_timeout = config.GetDuration(Key(prefix, "acquire_timeout"));
  s.query_timeout = config.GetDuration(Key(prefix, "query_timeout"));
  s.busy_timeout = config.GetDuration(Key(prefix, "busy_timeout"));
  s.statement_cache = static_cast<std::size_t>(config.GetInt(Key(prefix, "statement_cache")));
  s.wal_checkpoint_pages =
      static_cast<std::size_t>(config.GetInt(Key(prefix, "wal_checkpoint_pages")));
  return s;
}

Result<void> ValidateSqliteSettings(const SqliteSettings& s) {
  if (auto bad = ValidatePath(ConfigValue(s.path))) {
    return Invalid(s, *bad);
  }
  if (s.readers < 1 || s.readers > 64) {
    return Invalid(s, "readers must be 1..64, got " + std::to_string(s.readers));
  }
  if (s.queue_capacity < 1) {
    return Invalid(s, "queue_capacity must be at least 1");
  }
  if (s.statement_cache < 1) {
    return Invalid(s, "statement_cache must be at least 1");
  }
  if (s.wal_checkpoint_pages > 1000000) {
    return Invalid(s, "wal_checkpoint_pages must be 0..1000000, got " +
                          std::to_string(s.wal_checkpoint_pages));
  }
  if (s.acquire_timeout <= Duration::zero() || s.query_timeout <= Duration::zero() ||
      s.busy_timeout <= Duration::zero()) {
    return Invalid(s, "acquire_timeout, query_timeout and busy_timeout must be positive");
  }
  return {};
}

}  // namespace keel::data
