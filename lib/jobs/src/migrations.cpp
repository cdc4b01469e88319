#include "keel/jobs/migrations.hpp"

namespace keel::jobs {

namespace {
// Times are Unix milliseconds. `unique_slot` is the dedupe key while it holds the queue's
// uniqueness (cleared when the job ends, or kept on completion with dedupe_completed); the
// partial indexes serve exactly one query each: fetch, promotion of due jobs, lease rescue,
// pruning, the oldest-available gauge and the admin listing.
constexpr std::string_view kJobsSql = R"sql(
CREATE TABLE keel_jobs (
  id               INTEGER PRIMARY KEY,
  queue            TEXT    NOT NULL,
  kind             TEXT    NOT NULL,
  args             TEXT    NOT NULL,
  state            TEXT    NOT NULL CHECK (state IN ('available', 'scheduled', 'running',
                     'retryable', 'completed', 'discarded', 'cancelled')),
  priority         INTEGER NOT NULL,
  attempt          INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  errors           INTEGER NOT NULL DEFAULT 0,
  progress         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  dedupe_key       TEXT,
  unique_slot      TEXT,
  dedupe_completed INTEGER NOT NULL DEFAULT 0,
  attempted_by     TEXT,
  lease_token      TEXT,
  created_at       INTEGER NOT NULL,
  scheduled_at     INTEGER NOT NULL,
  attempted_at     INTEGER,
  finalized_at     INTEGER,
  lease_expires_at INTEGER,
  timeout_ms       INTEGER NOT NULL
);
CREATE INDEX keel_jobs_fetch ON keel_jobs (queue, priority, scheduled_at, id)
  WHERE state = 'available';
CREATE INDEX keel_jobs_available_age ON keel_jobs (queue, scheduled_at)
  WHERE state = 'available';
CREATE INDEX keel_jobs_due ON keel_jobs (scheduled_at) WHERE state IN ('scheduled', 'retryable');
CREATE INDEX keel_jobs_leases ON keel_jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX keel_jobs_finalized ON keel_jobs (state, finalized_at)
  WHERE finalized_at IS NOT NULL;
CREATE INDEX keel_jobs_by_state ON keel_jobs (state, queue, id);
CREATE UNIQUE INDEX keel_jobs_unique ON keel_jobs (queue, unique_slot)
  WHERE unique_slot IS NOT NULL;

CREATE TABLE keel_job_counts (
  queue TEXT    NOT NULL,
  state TEXT    NOT NULL,
  n     INTEGER NOT NULL,
  PRIMARY KEY (queue, state)
) WITHOUT ROWID;
CREATE TRIGGER keel_jobs_count_insert AFTER INSERT ON keel_jobs BEGIN
  INSERT INTO keel_job_counts (queue, state, n) VALUES (NEW.queue, NEW.state, 1)
    ON CONFLICT (queue, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER keel_jobs_count_update AFTER UPDATE OF state ON keel_jobs
  WHEN OLD.state <> NEW.state BEGIN
  UPDATE keel_job_counts SET n = n - 1 WHERE queue = OLD.queue AND state = OLD.state;
  INSERT INTO keel_job_counts (queue, state, n) VALUES (NEW.queue, NEW.state, 1)
    ON CONFLICT (queue, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER keel_jobs_count_delete AFTER DELETE ON keel_jobs BEGIN
  UPDATE keel_job_counts SET n = n - 1 WHERE queue = OLD.queue AND state = OLD.state;
END;
)sql";

// Events written in business transactions; the relay moves them to the queue (job_id) and marks
// them published.
constexpr std::string_view kOutboxSql = R"sql(
CREATE TABLE keel_outbox (
  id           INTEGER PRIMARY KEY,
  topic        TEXT    NOT NULL,
  payload      TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  published_at INTEGER,
  job_id       INTEGER
);
CREATE INDEX keel_outbox_unpublished ON keel_outbox (id) WHERE published_at IS NULL;
CREATE INDEX keel_outbox_published ON keel_outbox (published_at)
  WHERE published_at IS NOT NULL;
)sql";

constexpr data::Migration kMigrations[] = {
    {kFirstMigrationVersion, "keel_jobs", kJobsSql},
    {kFirstMigrationVersion + 1, "keel_outbox", kOutboxSql},
};
}  // namespace

std::span<const data::Migration> Migrations() noexcept {
  return kMigrations;
}

}  // namespace keel::jobs
