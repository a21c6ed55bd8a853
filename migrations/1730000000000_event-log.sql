-- Up Migration

-- The event log: the exact, replayable record. Partitioned by month on occurred_at; partitions are created
-- ahead of time and on demand by workshop_events_ensure_partition().
CREATE TABLE workshop_events (
  id uuid NOT NULL,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  event_type text NOT NULL,
  event_category text NOT NULL CHECK (event_category IN ('signup', 'approval', 'email', 'invitation', 'activity')),
  workshop_id uuid,
  user_id uuid,
  mechanic_id uuid,
  admin_id uuid,
  metadata jsonb,
  session_id text,
  ip_address inet,
  user_agent text,
  success boolean NOT NULL DEFAULT true,
  error_message text,
  duration_ms integer CHECK (duration_ms >= 0),
  -- typed copies of metadata fields that KPIs read, so aggregation never extracts JSON
  invite_id text,
  revenue_cents bigint CHECK (revenue_cents >= 0)
) PARTITION BY RANGE (occurred_at);

COMMENT ON TABLE workshop_events IS 'Workshop business events (event catalogue: docs/events.md). Partitioned by month on occurred_at.';

CREATE INDEX workshop_events_occurred_at_idx ON workshop_events (occurred_at);
CREATE INDEX workshop_events_type_occurred_at_idx ON workshop_events (event_type, occurred_at);
CREATE INDEX workshop_events_workshop_occurred_at_idx ON workshop_events (workshop_id, occurred_at) WHERE workshop_id IS NOT NULL;

-- Idempotency keys: a unique index on a partitioned table must include the partition key, so event ids are
-- made unique across all partitions here. An id is stored once whatever its occurred_at.
CREATE TABLE workshop_event_ids (
  id uuid PRIMARY KEY,
  occurred_at timestamptz NOT NULL
);

-- Creates the monthly partition that holds `at`, if missing. Safe to call concurrently from many sessions:
-- creators are serialized by a SHARE UPDATE EXCLUSIVE lock on workshop_events (it conflicts with itself but
-- not with the ROW EXCLUSIVE lock of inserts). Unlike an advisory lock, taking a relation lock processes
-- pending catalogue invalidations, so the re-check sees a partition another session has just committed.
-- A duplicate_table / unique_violation from a creator this lock cannot see (e.g. a CREATE TABLE of the same
-- name outside this function) still means "it exists". Call it in its own transaction (as the service
-- does): the CREATE upgrades to ACCESS EXCLUSIVE, which would deadlock with a caller already holding a lock
-- on workshop_events that another session's creator waits for.
CREATE FUNCTION workshop_events_ensure_partition(at timestamptz) RETURNS text
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
        NULL; -- created concurrently: what we wanted
      END;
    END IF;
  END IF;
  RETURN name;
END $$;

-- Projections, kept in the same statement as the insert. Every column is a merge that does not depend on
-- arrival order: earliest (min), latest (max), or a last-writer-wins register ordered by (occurred_at, id).
CREATE TABLE workshops (
  workshop_id uuid PRIMARY KEY,
  -- profile: register of the latest workshop_signup_success
  name text,
  city text,
  province text,
  lat double precision,
  lon double precision,
  capacity integer,
  profile_at timestamptz,
  profile_event_id uuid,
  -- first workshop_signup_success / first decision (approve or reject) / first approval / first rejection
  submitted_at timestamptz,
  decided_at timestamptz,
  approved_at timestamptz,
  rejected_at timestamptz,
  -- lifecycle after approval: register of the latest approved | suspended | reactivated
  status_event text,
  status_at timestamptz,
  status_event_id uuid,
  -- pending: submitted, not yet approved or rejected; once approved the lifecycle register decides
  status text GENERATED ALWAYS AS (
    CASE
      WHEN approved_at IS NOT NULL THEN CASE WHEN status_event = 'workshop_suspended' THEN 'suspended' ELSE 'active' END
      WHEN rejected_at IS NOT NULL THEN 'rejected'
      WHEN submitted_at IS NOT NULL THEN 'pending'
    END) STORED,
  last_dashboard_access_at timestamptz,
  -- register of the latest workshop_profile_updated carrying metadata.profile_completeness
  profile_completeness double precision,
  profile_completeness_at timestamptz,
  profile_completeness_event_id uuid
);
CREATE INDEX workshops_status_idx ON workshops (status);

CREATE TABLE invitations (
  invite_id text PRIMARY KEY,
  -- register of the earliest event of the invite
  workshop_id uuid NOT NULL,
  first_at timestamptz NOT NULL,
  first_event_id uuid NOT NULL,
  sent_at timestamptz,
  viewed_at timestamptz,
  expired_at timestamptz,
  -- register of the earliest acceptance
  mechanic_id uuid,
  accepted_at timestamptz,
  accepted_event_id uuid,
  status text GENERATED ALWAYS AS (
    CASE
      WHEN accepted_at IS NOT NULL THEN 'accepted'
      WHEN expired_at IS NOT NULL THEN 'expired'
      WHEN viewed_at IS NOT NULL THEN 'viewed'
      WHEN sent_at IS NOT NULL THEN 'sent'
    END) STORED
);
CREATE INDEX invitations_workshop_idx ON invitations (workshop_id);

CREATE TABLE mechanics (
  workshop_id uuid NOT NULL,
  mechanic_id uuid NOT NULL,
  joined_at timestamptz,
  removed_at timestamptz,
  -- register of the latest mechanic_invite_accepted | mechanic_removed
  last_event text NOT NULL,
  last_event_at timestamptz NOT NULL,
  last_event_id uuid NOT NULL,
  active boolean GENERATED ALWAYS AS (last_event = 'mechanic_invite_accepted') STORED,
  PRIMARY KEY (workshop_id, mechanic_id)
);

-- Alert history (filled from Alertmanager by the alerting work), as in the plan.
CREATE TABLE workshop_alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(),
  alert_type text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  title text NOT NULL,
  message text NOT NULL,
  workshop_id uuid,
  acknowledged boolean NOT NULL DEFAULT false,
  acknowledged_by text,
  acknowledged_at timestamptz,
  metadata jsonb
);
CREATE INDEX workshop_alerts_unacknowledged_idx ON workshop_alerts (acknowledged, created_at DESC);
CREATE INDEX workshop_alerts_severity_idx ON workshop_alerts (severity, created_at DESC);

-- Down Migration
DROP TABLE workshop_alerts;
DROP TABLE mechanics;
DROP TABLE invitations;
DROP TABLE workshops;
DROP FUNCTION workshop_events_ensure_partition(timestamptz);
DROP TABLE workshop_event_ids;
DROP TABLE workshop_events;
