#include "keel/idempotency/migrations.hpp"

namespace keel::idempotency {

namespace {
// One row per (scope, key). `locked_at`, `created_at`, `expires_at` are Unix milliseconds.
// The expiry index serves both the purge of expired rows and the eviction of the oldest ones.
constexpr std::string_view kKeysTable = R"sql(
CREATE TABLE keel_idempotency_keys (
  scope       TEXT    NOT NULL,
  idem_key    TEXT    NOT NULL,
  fingerprint TEXT    NOT NULL,
  method      TEXT    NOT NULL,
  target      TEXT    NOT NULL,
  state       TEXT    NOT NULL CHECK (state IN ('in_progress', 'completed')),
  lock_token  TEXT,
  locked_at   INTEGER,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  takeovers   INTEGER NOT NULL DEFAULT 0,
  status      INTEGER,
  headers     TEXT,
  body        BLOB,
  PRIMARY KEY (scope, idem_key)
);
CREATE INDEX keel_idempotency_keys_expiry ON keel_idempotency_keys (expires_at);
)sql";

constexpr data::Migration kMigrations[] = {
    {kFirstMigrationVersion, "keel_idempotency_keys", kKeysTable},
};
}  // namespace

std::span<const data::Migration> Migrations() noexcept {
  return kMigrations;
}

}  // namespace keel::idempotency
