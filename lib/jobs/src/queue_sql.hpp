// The SQL of SqliteJobQueue (SQLite 3.40: UPDATE … RETURNING, upserts in triggers).
#pragma once

#include "keel/data/database.hpp"

// The columns ReadJob() expects, in its order (a macro: it is spliced into literals).
#define KEEL_JOB_COLUMNS                                                                  \
  "id, queue, kind, args, state, priority, attempt, max_attempts, progress, last_error, " \
  "dedupe_key, attempted_by, created_at, scheduled_at, attempted_at, finalized_at, "      \
  "lease_expires_at, timeout_ms"

namespace keel::jobs::detail {

// --- enqueue ---
inline constexpr data::Query kFindUnique{
    "jobs_find_unique", "SELECT id FROM keel_jobs WHERE queue = ? AND unique_slot = ?"};
inline constexpr data::Query kPendingCount{
    "jobs_pending_count",
    "SELECT COALESCE(SUM(n), 0) FROM keel_job_counts WHERE queue = ? AND state IN "
    "('available', 'scheduled', 'running', 'retryable')"};
inline constexpr data::Query kInsertJob{
    "jobs_insert",
    "INSERT INTO keel_jobs (queue, kind, args, state, priority, max_attempts, dedupe_key, "
    "unique_slot, dedupe_completed, created_at, scheduled_at, timeout_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11)"};

// --- workers ---
// On a reader: lets an idle poller skip its write transaction (both halves use a partial index).
inline constexpr data::Query kAnyDue{
    "jobs_any_due",
    "SELECT EXISTS (SELECT 1 FROM keel_jobs WHERE state = 'available') OR EXISTS (SELECT 1 FROM "
    "keel_jobs WHERE state IN ('scheduled', 'retryable') AND scheduled_at <= ?)"};
inline constexpr data::Query kPromoteDue{
    "jobs_promote_due",
    "UPDATE keel_jobs SET state = 'available' "
    "WHERE state IN ('scheduled', 'retryable') AND scheduled_at <= ?"};
inline constexpr data::Query kClaim{
    "jobs_claim",
    "UPDATE keel_jobs SET state = 'running', attempt = attempt + 1, attempted_at = ?1, "
    "attempted_by = ?2, lease_token = ?3, lease_expires_at = ?4, progress = 0 "
    "WHERE id IN (SELECT id FROM keel_jobs WHERE state = 'available' AND queue = ?5 "
    "ORDER BY priority, scheduled_at, id LIMIT ?6) RETURNING " KEEL_JOB_COLUMNS};
inline constexpr data::Query kComplete{
    "jobs_complete",
    "UPDATE keel_jobs SET state = 'completed', finalized_at = ?1, progress = 100, "
    "lease_token = NULL, lease_expires_at = NULL, "
    "unique_slot = CASE WHEN dedupe_completed = 1 THEN unique_slot END "
    "WHERE id = ?2 AND lease_token = ?3 AND state = 'running'"};
inline constexpr data::Query kFail{
    "jobs_fail",
    "UPDATE keel_jobs SET state = ?1, scheduled_at = ?2, finalized_at = ?3, last_error = ?4, "
    "errors = errors + 1, lease_token = NULL, lease_expires_at = NULL, "
    "unique_slot = CASE WHEN ?1 = 'discarded' THEN NULL ELSE unique_slot END "
    "WHERE id = ?5 AND lease_token = ?6 AND state = 'running'"};
inline constexpr data::Query kExtendLease{"jobs_extend_lease",
                                          "UPDATE keel_jobs SET lease_expires_at = ? "
                                          "WHERE id = ? AND lease_token = ? AND state = 'running'"};
inline constexpr data::Query kProgress{
    "jobs_progress", "UPDATE keel_jobs SET progress = ? WHERE id = ? AND state = 'running'"};

// --- maintenance ---
// A lease that expired means its worker died or stalled: the attempt counts (it was started),
// and the job is immediately due again — or dead when that was its last attempt.
inline constexpr data::Query kRescue{
    "jobs_rescue",
    "UPDATE keel_jobs SET "
    "state = CASE WHEN attempt >= max_attempts THEN 'discarded' ELSE 'retryable' END, "
    "finalized_at = CASE WHEN attempt >= max_attempts THEN ?1 END, "
    "unique_slot = CASE WHEN attempt >= max_attempts THEN NULL ELSE unique_slot END, "
    "scheduled_at = ?1, errors = errors + 1, lease_token = NULL, lease_expires_at = NULL, "
    "last_error = 'lease expired: the worker stopped renewing it (crashed, stopped or stuck)' "
    "WHERE state = 'running' AND lease_expires_at <= ?1 RETURNING state"};
inline constexpr data::Query kPrune{
    "jobs_prune",
    "DELETE FROM keel_jobs WHERE id IN (SELECT id FROM keel_jobs WHERE finalized_at IS NOT NULL "
    "AND ((state IN ('completed', 'cancelled') AND finalized_at <= ?1) OR "
    "(state = 'discarded' AND finalized_at <= ?2)) LIMIT ?3)"};

// --- observation and admin ---
inline constexpr data::Query kCounts{"jobs_counts", "SELECT queue, state, n FROM keel_job_counts"};
inline constexpr data::Query kOldestAvailable{
    "jobs_oldest_available",
    "SELECT queue, MIN(scheduled_at) FROM keel_jobs WHERE state = 'available' GROUP BY queue"};
inline constexpr data::Query kGetJob{"jobs_get",
                                     "SELECT " KEEL_JOB_COLUMNS " FROM keel_jobs WHERE id = ?"};
inline constexpr data::Query kListJobs{"jobs_list",
                                       "SELECT " KEEL_JOB_COLUMNS
                                       " FROM keel_jobs WHERE (?1 IS NULL OR state = ?1) "
                                       "AND (?2 IS NULL OR queue = ?2) ORDER BY id DESC LIMIT ?3"};
// An exhausted job gets one more attempt; it takes its uniqueness back if nobody holds it.
inline constexpr data::Query kRetryJob{
    "jobs_retry",
    "UPDATE keel_jobs SET state = 'available', scheduled_at = ?1, finalized_at = NULL, "
    "max_attempts = MAX(max_attempts, attempt + 1), "
    "unique_slot = CASE WHEN unique_slot IS NOT NULL OR dedupe_key IS NULL THEN unique_slot "
    "WHEN EXISTS (SELECT 1 FROM keel_jobs o WHERE o.queue = keel_jobs.queue "
    "AND o.unique_slot = keel_jobs.dedupe_key) THEN NULL ELSE dedupe_key END "
    "WHERE id = ?2"};
inline constexpr data::Query kDiscardJob{
    "jobs_discard",
    "UPDATE keel_jobs SET state = ?1, finalized_at = ?2, unique_slot = NULL, "
    "last_error = CASE WHEN ?1 = 'discarded' THEN "
    "COALESCE(last_error || '; ', '') || 'discarded by an operator' ELSE last_error END "
    "WHERE id = ?3"};

}  // namespace keel::jobs::detail
