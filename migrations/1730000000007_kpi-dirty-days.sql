-- Up Migration

-- Local days (METRICS_TZ) that received late events: written by the ingest flush itself, for events older than
-- the daily job's window (before yesterday's day before) or of an ISO week already ended, whose stored KPI rows
-- are therefore stale. Append-only: each flush adds one row per late day it touched, with no unique key, so
-- concurrent flushes never wait on each other's marks. The hourly job recomputes the days it read, then deletes
-- exactly the rows it read: a mark added meanwhile (its flush may not have been visible to the recompute) stays.
CREATE TABLE kpi_dirty_days (
  id bigserial PRIMARY KEY,
  day date NOT NULL,
  marked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kpi_dirty_days_day ON kpi_dirty_days (day);

-- Down Migration
DROP TABLE kpi_dirty_days;
