-- Up Migration

-- Event log retention (EVENTS_RETENTION_MONTHS; src/ingest/partition-retention-store.ts): the daily job detaches
-- and drops whole monthly partitions of workshop_events that are older than the retention. KPI rows
-- (workshop_metrics) and the projections are other tables and stay.
--
-- The partitions belong to the migrator and workshop_app may not ALTER or DROP tables, so, like
-- workshop_events_ensure_partition, this runs with its owner's rights (SECURITY DEFINER, fixed search_path) and
-- only workshop_app may call it. It drops only a table named like a monthly partition that is attached to
-- workshop_events. DETACH ... CONCURRENTLY cannot run inside a function (it needs its own transactions), so the
-- detach takes an ACCESS EXCLUSIVE lock on workshop_events for the moment of the detach and drop; lock_timeout
-- bounds how long inserts may queue behind it (2 s, then this call fails and the next daily run tries again).
CREATE FUNCTION workshop_events_drop_partition(partition_name text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF partition_name !~ '^workshop_events_[0-9]{4}_[0-9]{2}$' THEN
    RAISE EXCEPTION 'not a monthly partition of workshop_events: %', partition_name;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                  WHERE i.inhparent = 'workshop_events'::regclass AND c.relname = partition_name) THEN
    RETURN false; -- already gone (another replica dropped it)
  END IF;
  PERFORM set_config('lock_timeout', '2s', true);
  EXECUTE format('ALTER TABLE workshop_events DETACH PARTITION %I', partition_name);
  EXECUTE format('DROP TABLE %I', partition_name);
  RETURN true;
END $$;
REVOKE EXECUTE ON FUNCTION workshop_events_drop_partition(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION workshop_events_drop_partition(text) TO workshop_app;

-- Down Migration
DROP FUNCTION workshop_events_drop_partition(text);
