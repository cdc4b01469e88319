-- Reports (POST /v1/reports): one row per requested report, written by the API (queued) and by
-- the report job (running, progress, succeeded with its result). Failure is the job's state (a
-- dead-lettered job), which GET /v1/reports/{id} reads beside the row.
--
-- The job reads orders in chunks of ids (first_order_id, last_order_id], fixed on its first
-- attempt; cursor_order_id is the end of the last chunk added, moved in the same transaction that
-- adds the chunk's sums to report_partials, so a redelivered job resumes where the last one
-- stopped and never counts a chunk twice.
CREATE TABLE reports (
  id               INTEGER PRIMARY KEY,
  type             TEXT    NOT NULL,
  period_from      TEXT    NOT NULL,  -- inclusive, RFC 3339 UTC with milliseconds
  period_to        TEXT    NOT NULL,  -- exclusive
  status           TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  progress         INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  job_id           INTEGER,
  attempt          INTEGER NOT NULL DEFAULT 0,
  error            TEXT,
  first_order_id   INTEGER,
  last_order_id    INTEGER,
  cursor_order_id  INTEGER,
  order_count      INTEGER NOT NULL DEFAULT 0,
  result           TEXT,              -- JSON, once succeeded
  created_at       TEXT    NOT NULL,
  updated_at       TEXT    NOT NULL,
  finished_at      TEXT
);

CREATE TABLE report_partials (
  report_id      INTEGER NOT NULL REFERENCES reports (id),
  category       TEXT    NOT NULL,
  orders         INTEGER NOT NULL,
  units          INTEGER NOT NULL,
  revenue_cents  INTEGER NOT NULL,
  PRIMARY KEY (report_id, category)
) WITHOUT ROWID;
