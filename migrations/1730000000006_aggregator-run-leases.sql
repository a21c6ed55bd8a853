-- Up Migration

-- A claimed firing is a lease: a claim still unfinished after lease_until (its replica died or lost its
-- connection), or finished with ok = false, may be taken again by any replica (job-store.ts), at most
-- max-attempts times in all. attempts counts the takes and fences the outcome: a runner records its result only
-- on the take it made.
ALTER TABLE aggregator_runs
  ADD COLUMN lease_until timestamptz,
  ADD COLUMN attempts integer NOT NULL DEFAULT 1;
UPDATE aggregator_runs SET lease_until = started_at + interval '15 minutes';
ALTER TABLE aggregator_runs ALTER COLUMN lease_until SET NOT NULL;

-- Down Migration
ALTER TABLE aggregator_runs DROP COLUMN attempts, DROP COLUMN lease_until;
