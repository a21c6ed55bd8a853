-- Up Migration

-- Creating a monthly partition must never stall ingest. CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE on
-- workshop_events: behind any open reader (a Grafana query, grafana_reader's idle transaction) it waits, and while
-- it waits every insert queues behind it. So the partition is created as a plain table (LIKE the parent: columns,
-- NOT NULL, CHECK constraints, defaults) and then attached: ATTACH PARTITION takes only SHARE UPDATE EXCLUSIVE on
-- the parent, which conflicts neither with readers (ACCESS SHARE) nor with inserts (ROW EXCLUSIVE); the parent's
-- indexes are built on the new, empty table. Creators are still serialized by that same lock (it conflicts with
-- itself), so the re-check under it sees a partition another session has just committed.
--
-- The lock waits are bounded: lock_timeout is set to 2 s for this call and restored after it, so a creator
-- blocked by something holding a conflicting lock (a manual LOCK, VACUUM, CREATE INDEX) fails with 55P03
-- lock_not_available instead of hanging; the service retries and then answers 503.
CREATE OR REPLACE FUNCTION workshop_events_ensure_partition(at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  month_start timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  name text := 'workshop_events_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM');
  previous_lock_timeout text;
BEGIN
  IF to_regclass(name) IS NULL THEN
    previous_lock_timeout := current_setting('lock_timeout');
    PERFORM set_config('lock_timeout', '2s', true);
    LOCK TABLE workshop_events IN SHARE UPDATE EXCLUSIVE MODE;
    IF to_regclass(name) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I (LIKE workshop_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format('ALTER TABLE workshop_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
          name, month_start, month_start + interval '1 month');
      EXCEPTION WHEN duplicate_table OR unique_violation THEN
        NULL; -- created concurrently: what we wanted
      END;
    END IF;
    PERFORM set_config('lock_timeout', previous_lock_timeout, true);
  END IF;
  RETURN name;
END $$;

-- Down Migration
CREATE OR REPLACE FUNCTION workshop_events_ensure_partition(at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  month_start timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  name text := 'workshop_events_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
  IF to_regclass(name) IS NULL THEN
    LOCK TABLE workshop_events IN SHARE UPDATE EXCLUSIVE MODE;
    IF to_regclass(name) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF workshop_events FOR VALUES FROM (%L) TO (%L)',
          name, month_start, month_start + interval '1 month');
      EXCEPTION WHEN duplicate_table OR unique_violation THEN
        NULL;
      END;
    END IF;
  END IF;
  RETURN name;
END $$;
