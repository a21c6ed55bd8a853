-- Up Migration

-- workshop_alerts keeps one row per alert instance Alertmanager reports (the plan's table plus identity and
-- lifecycle): deduplicated by (fingerprint, starts_at), marked resolved when Alertmanager says so.
ALTER TABLE workshop_alerts
  ADD COLUMN fingerprint text,
  ADD COLUMN status text NOT NULL DEFAULT 'firing' CHECK (status IN ('firing', 'resolved')),
  ADD COLUMN starts_at timestamptz,
  ADD COLUMN ends_at timestamptz,
  ADD COLUMN resolved_at timestamptz,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN labels jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN annotations jsonb NOT NULL DEFAULT '{}';
CREATE UNIQUE INDEX workshop_alerts_instance_idx ON workshop_alerts (fingerprint, starts_at);
CREATE INDEX workshop_alerts_open_idx ON workshop_alerts (status, starts_at DESC);

-- Down Migration
DROP INDEX workshop_alerts_open_idx;
DROP INDEX workshop_alerts_instance_idx;
ALTER TABLE workshop_alerts
  DROP COLUMN annotations, DROP COLUMN labels, DROP COLUMN updated_at, DROP COLUMN resolved_at,
  DROP COLUMN ends_at, DROP COLUMN starts_at, DROP COLUMN status, DROP COLUMN fingerprint;
