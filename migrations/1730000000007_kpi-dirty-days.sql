-- Up Migration

-- Local days (METRICS_TZ) that received late events: written by the ingest flush itself, for events older than
-- the daily job's window (before yesterday's day before) or of an ISO week already ended, whose stored KPI rows
-- are therefore stale. The hourly job recomputes those days and their weeks, then deletes the marks it read —
-- only if `marks` is unchanged, so a mark made meanwhile (its flush may not have been visible yet) stays.
CREATE TABLE kpi_dirty_days (
  day date PRIMARY KEY,
  marked_at timestamptz NOT NULL DEFAULT now(),
  marks bigint NOT NULL DEFAULT 1
);

-- Down Migration
DROP TABLE kpi_dirty_days;
