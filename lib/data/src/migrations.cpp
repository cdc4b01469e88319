#include "keel/data/migrations.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

namespace keel::data {

namespace {
constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, "
    "applied_at TEXT NOT NULL)";
constexpr Query kReadApplied{"migrations_applied",
                             "SELECT version, name, checksum FROM schema_migrations "
                             "ORDER BY version"};
constexpr Query kIsApplied{"migration_is_applied",
                           "SELECT 1 FROM schema_migrations WHERE version = ?"};
constexpr Query kRecord{"migration_record",
                        "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                        "VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"};

struct Applied {
  std::int64_t version;
  std::string name;
  std::string checksum;
};

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string Label(const Migration& m) {
  return "migration " + std::to_string(m.version) + " (" + std::string(m.name) + ")";
}

Error Failed(std::string message) {
  return Error(ErrorCode::kInternal, std::move(message));
}

Result<void> CheckOrder(std::span<const Migration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version < 1) {
      return Failed(Label(migrations[i]) + ": versions start at 1");
    }
    if (i > 0 && migrations[i].version <= migrations[i - 1].version) {
      return Failed(Label(migrations[i]) + " follows version " +
                    std::to_string(migrations[i - 1].version) +
                    ": versions must be strictly increasing");
    }
  }
  return {};
}

Result<std::vector<Applied>> ReadApplied(SqliteDatabase& db) {
  std::vector<Applied> applied;
  auto read = db.TransactionBlocking([&](Tx& tx) -> Result<void> {
    if (auto created = tx.ExecuteScript("migrations_table", kCreateTable); !created) {
      return created;
    }
    auto rows = tx.Query(kReadApplied, {});
    if (!rows) {
      return std::move(rows).error();
    }
    for (const Row& row : *rows) {
      applied.push_back({row.Int(0), std::string(row.Text(1)), std::string(row.Text(2))});
    }
    return {};
  });
  if (!read) {
    return std::move(read).error();
  }
  return applied;
}

const Migration* Find(std::span<const Migration> migrations, std::int64_t version) {
  auto it = std::lower_bound(migrations.begin(), migrations.end(), version,
                             [](const Migration& m, std::int64_t v) { return m.version < v; });
  return it != migrations.end() && it->version == version ? &*it : nullptr;
}

// Every applied migration this build knows must be unchanged; one it does not know is tolerated
// only past its newest (a newer build ran it: rolling back the binary keeps working).
Result<void> CheckApplied(std::span<const Migration> migrations,
                          const std::vector<Applied>& applied) {
  const std::int64_t newest_known = migrations.empty() ? 0 : migrations.back().version;
  for (const Applied& a : applied) {
    const Migration* m = Find(migrations, a.version);
    if (m == nullptr) {
      if (a.version < newest_known) {
        return Failed("applied migration " + std::to_string(a.version) + " (" + a.name +
                      ") is missing from this build");
      }
      continue;
    }
    if (Sha256Hex(m->sql) != a.checksum) {
      return Failed(Label(*m) + " was changed after it was applied (checksum " + a.checksum +
                    " in the database, " + Sha256Hex(m->sql) + " now)");
    }
  }
  return {};
}

// A pending migration older than the newest applied one would run out of order (a gap).
Result<void> CheckNoGap(std::span<const Migration> migrations,
                        const std::vector<Applied>& applied) {
  const std::int64_t newest_applied = applied.empty() ? 0 : applied.back().version;
  for (const Migration& m : migrations) {
    if (m.version >= newest_applied) {
      break;
    }
    const bool done = std::any_of(applied.begin(), applied.end(),
                                  [&](const Applied& a) { return a.version == m.version; });
    if (!done) {
      return Failed(Label(m) + " is not applied but the later version " +
                    std::to_string(newest_applied) +
                    " is: migrations must be applied in order (a gap)");
    }
  }
  return {};
}

// Applies one migration in its own transaction; false when another instance applied it first.
Result<bool> ApplyOne(SqliteDatabase& db, const Migration& m) {
  bool ran = false;
  auto done = db.TransactionBlocking([&](Tx& tx) -> Result<void> {
    auto already = tx.Query(kIsApplied, {m.version});
    if (!already || !already->empty()) {
      return already ? Result<void>() : Result<void>(std::move(already).error());
    }
    if (auto script = tx.ExecuteScript("migration", m.sql); !script) {
      return Failed(Label(m) + " failed: " + script.error().message());
    }
    auto recorded = tx.Execute(kRecord, {m.version, m.name, Sha256Hex(m.sql)});
    ran = recorded.ok();
    return recorded ? Result<void>() : Result<void>(std::move(recorded).error());
  });
  if (!done) {
    return std::move(done).error();
  }
  return ran;
}

std::vector<Applied> InRange(const std::vector<Applied>& applied, const MigrationSource& source) {
  std::vector<Applied> out;
  for (const Applied& a : applied) {
    if (a.version >= source.first && a.version <= source.last) {
      out.push_back(a);
    }
  }
  return out;
}

Result<void> CheckSources(std::span<const MigrationSource> sources) {
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const MigrationSource& s = sources[i];
    const std::string label = "migration source " + std::string(s.name);
    if (s.first < 1 || s.last < s.first) {
      return Failed(label + ": its range [" + std::to_string(s.first) + ", " +
                    std::to_string(s.last) + "] must be non-empty and start at 1 or later");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (s.first <= sources[j].last && sources[j].first <= s.last) {
        return Failed(label + " overlaps the range of " + std::string(sources[j].name));
      }
    }
    if (auto ordered = CheckOrder(s.migrations); !ordered) {
      return ordered;
    }
    for (const Migration& m : s.migrations) {
      if (m.version < s.first || m.version > s.last) {
        return Failed(Label(m) + " is outside the range [" + std::to_string(s.first) + ", " +
                      std::to_string(s.last) + "] of " + label);
      }
    }
  }
  return {};
}

// One source: `applied` holds the applied versions within its range, in version order.
Result<int> ApplySource(SqliteDatabase& db, const MigrationSource& source,
                        const std::vector<Applied>& applied,
                        const std::function<void(const Migration&)>& progress) {
  if (auto same = CheckApplied(source.migrations, applied); !same) {
    return std::move(same).error();
  }
  if (auto in_order = CheckNoGap(source.migrations, applied); !in_order) {
    return std::move(in_order).error();
  }
  const std::int64_t newest_applied = applied.empty() ? 0 : applied.back().version;
  int count = 0;
  for (const Migration& m : source.migrations) {
    if (m.version <= newest_applied) {
      continue;
    }
    if (progress) {
      progress(m);
    }
    auto ran = ApplyOne(db, m);
    if (!ran) {
      return std::move(ran).error();
    }
    count += *ran ? 1 : 0;
  }
  return count;
}
}  // namespace

Result<int> ApplyMigrations(SqliteDatabase& db, std::span<const Migration> migrations,
                            const std::function<void(const Migration&)>& progress) {
  const MigrationSource all[] = {
      {"migrations", 1, std::numeric_limits<std::int64_t>::max(), migrations}};
  return ApplyMigrations(db, all, progress);
}

Result<int> ApplyMigrations(SqliteDatabase& db, std::span<const MigrationSource> sources,
                            const std::function<void(const Migration&)>& progress) {
  if (auto valid = CheckSources(sources); !valid) {
    return std::move(valid).error();
  }
  auto applied = ReadApplied(db);
  if (!applied) {
    return std::move(applied).error();
  }
  int count = 0;
  for (const MigrationSource& source : sources) {
    auto ran = ApplySource(db, source, InRange(*applied, source), progress);
    if (!ran) {
      return std::move(ran).error();
    }
    count += *ran;
  }
  return count;
}

}  // namespace keel::data
