-- Up Migration

-- The workshop owner's e-mail address (workshop_signup_success's metadata.owner_email), a profile column like name
-- and city: the latest signup decides (projection-spec.ts). Personal data: the service reads it to e-mail the owner
-- (WorkshopThriving); it is never exported as a metric, and Grafana may not read it.
ALTER TABLE workshops ADD COLUMN owner_email text;

-- grafana_reader (1730000000003) read every column of workshops; from now on it reads the columns listed here
-- (column privileges), so owner_email — and any column a later migration adds — stays hidden until granted.
-- workshop_app keeps its table-wide privileges (1730000000010), which cover the new column.
REVOKE SELECT ON workshops FROM grafana_reader;
GRANT SELECT (workshop_id, name, city, province, lat, lon, capacity, profile_at, profile_event_id, submitted_at,
              decided_at, approved_at, rejected_at, status_event, status_at, status_event_id, status,
              last_dashboard_access_at, profile_completeness, profile_completeness_at, profile_completeness_event_id)
  ON workshops TO grafana_reader;

-- One row per workshop and kind of owner e-mail: the claim that makes the e-mail go out at most once per 30 days
-- across replicas and repeated Alertmanager deliveries (alerts/owner-notification-store.ts). A delivery takes the
-- claim with one atomic upsert (claim_id is its own); sent_at NULL means "being sent": a failed send deletes its
-- claim again, and a claim left unfinished by a replica that died is taken again after a lease. Records who was
-- mailed (owner or account manager), never the address.
CREATE TABLE owner_notifications (
  workshop_id uuid NOT NULL,
  kind text NOT NULL,
  claim_id uuid NOT NULL,
  claimed_at timestamptz NOT NULL,
  sent_at timestamptz,
  recipient text NOT NULL CHECK (recipient IN ('owner', 'account_manager')),
  PRIMARY KEY (workshop_id, kind)
);
-- Default privileges (1730000000010) already give it to workshop_app; said here as well, for the reader of this file.
GRANT SELECT, INSERT, UPDATE, DELETE ON owner_notifications TO workshop_app;

-- Down Migration
DROP TABLE owner_notifications;
REVOKE SELECT ON workshops FROM grafana_reader;
GRANT SELECT ON workshops TO grafana_reader;
ALTER TABLE workshops DROP COLUMN owner_email;
