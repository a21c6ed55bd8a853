-- Up Migration

-- One row per period (metric_date is the day, or the Monday of the ISO week) and type; upserted, so
-- recomputing a period is idempotent. Definitions: docs/kpis.md.
CREATE TABLE workshop_metrics (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(),
  computed_at timestamptz NOT NULL DEFAULT now(),
  metric_date date NOT NULL,
  metric_type text NOT NULL CHECK (metric_type IN ('daily', 'weekly')),
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  time_zone text NOT NULL,
  signups_started integer NOT NULL DEFAULT 0,
  signups_completed integer NOT NULL DEFAULT 0,
  signups_failed integer NOT NULL DEFAULT 0,
  signup_conversion_rate numeric(7, 2),
  applications_pending integer NOT NULL DEFAULT 0,
  applications_approved integer NOT NULL DEFAULT 0,
  applications_rejected integer NOT NULL DEFAULT 0,
  avg_approval_time_hours numeric(12, 2),
  median_approval_time_hours numeric(12, 2),
  invites_sent integer NOT NULL DEFAULT 0,
  invites_accepted integer NOT NULL DEFAULT 0,
  invites_expired integer NOT NULL DEFAULT 0,
  invite_acceptance_rate numeric(7, 2),
  emails_sent integer NOT NULL DEFAULT 0,
  emails_failed integer NOT NULL DEFAULT 0,
  email_success_rate numeric(7, 2),
  emails_approval_sent integer NOT NULL DEFAULT 0,
  emails_approval_failed integer NOT NULL DEFAULT 0,
  emails_rejection_sent integer NOT NULL DEFAULT 0,
  emails_rejection_failed integer NOT NULL DEFAULT 0,
  emails_invite_sent integer NOT NULL DEFAULT 0,
  emails_invite_failed integer NOT NULL DEFAULT 0,
  active_workshops integer NOT NULL DEFAULT 0,
  pending_workshops integer NOT NULL DEFAULT 0,
  suspended_workshops integer NOT NULL DEFAULT 0,
  workshops_with_mechanics integer NOT NULL DEFAULT 0,
  total_mechanics_active integer NOT NULL DEFAULT 0,
  avg_mechanics_per_workshop numeric(12, 2),
  dashboard_logins integer NOT NULL DEFAULT 0,
  profile_updates integer NOT NULL DEFAULT 0,
  sessions_completed integer NOT NULL DEFAULT 0,
  revenue_cents bigint NOT NULL DEFAULT 0,
  api_errors integer NOT NULL DEFAULT 0,
  api_success_rate numeric(7, 2),
  UNIQUE (metric_date, metric_type)
);

-- Scheduled firings already claimed: a firing (job + the minute it was due) runs on one replica only.
CREATE TABLE aggregator_runs (
  job text NOT NULL,
  scheduled_for timestamptz NOT NULL,
  claimed_by text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  ok boolean,
  error text,
  PRIMARY KEY (job, scheduled_for)
);

-- Last outcome per job, read by the gauge refresher (the same on every replica, kept across restarts).
CREATE TABLE aggregator_jobs (
  job text PRIMARY KEY,
  last_success_at timestamptz,
  last_duration_seconds double precision,
  last_failure_at timestamptz,
  last_error text
);

-- Down Migration
DROP TABLE aggregator_jobs;
DROP TABLE aggregator_runs;
DROP TABLE workshop_metrics;
