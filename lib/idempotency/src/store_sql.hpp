// The SQL of SqliteIdempotencyStore (SQLite dialect; upsert and the guards port to PostgreSQL).
#pragma once

#include "keel/data/database.hpp"

namespace keel::idempotency::detail {

inline constexpr data::Query kFindKey{
    "idempotency_find",
    "SELECT state, fingerprint, method, target, lock_token, locked_at, expires_at, status, "
    "headers, body FROM keel_idempotency_keys WHERE scope = ? AND idem_key = ?"};

// Creates the record, or replaces an expired one in place.
inline constexpr data::Query kLockNew{
    "idempotency_lock_new",
    "INSERT INTO keel_idempotency_keys (scope, idem_key, fingerprint, method, target, state, "
    "lock_token, locked_at, created_at, expires_at, takeovers) "
    "VALUES (?1, ?2, ?3, ?4, ?5, 'in_progress', ?6, ?7, ?7, ?8, 0) "
    "ON CONFLICT (scope, idem_key) DO UPDATE SET fingerprint = excluded.fingerprint, "
    "method = excluded.method, target = excluded.target, state = 'in_progress', "
    "lock_token = excluded.lock_token, locked_at = excluded.locked_at, "
    "created_at = excluded.created_at, expires_at = excluded.expires_at, takeovers = 0, "
    "status = NULL, headers = NULL, body = NULL"};

inline constexpr data::Query kTakeOver{
    "idempotency_take_over",
    "UPDATE keel_idempotency_keys SET lock_token = ?, locked_at = ?, takeovers = takeovers + 1 "
    "WHERE scope = ? AND idem_key = ? AND state = 'in_progress' AND lock_token = ?"};

// Every write of a result is guarded by the lock token and the state: it happens at most once
// per lock, and never for a request whose record was taken over.
inline constexpr data::Query kComplete{
    "idempotency_complete",
    "UPDATE keel_idempotency_keys SET state = 'completed', lock_token = NULL, status = ?, "
    "headers = ?, body = ? "
    "WHERE scope = ? AND idem_key = ? AND state = 'in_progress' AND lock_token = ?"};

inline constexpr data::Query kRelease{
    "idempotency_release",
    "DELETE FROM keel_idempotency_keys "
    "WHERE scope = ? AND idem_key = ? AND state = 'in_progress' AND lock_token = ?"};

inline constexpr data::Query kPurgeExpired{
    "idempotency_purge_expired",
    "DELETE FROM keel_idempotency_keys WHERE rowid IN (SELECT rowid FROM keel_idempotency_keys "
    "WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)"};

inline constexpr data::Query kCountKeys{"idempotency_count",
                                        "SELECT COUNT(*) FROM keel_idempotency_keys"};

// Only completed records are evicted: dropping a live lock would let a concurrent retry run.
inline constexpr data::Query kEvictOldest{
    "idempotency_evict",
    "DELETE FROM keel_idempotency_keys WHERE rowid IN (SELECT rowid FROM keel_idempotency_keys "
    "WHERE state = 'completed' ORDER BY expires_at LIMIT ?)"};

}  // namespace keel::idempotency::detail
