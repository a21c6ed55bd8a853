-- Up Migration

-- Issue 12: every KPI of the plan, and monthly rows (metric_date = the first day of the local calendar month).
-- Definitions: docs/kpis.md (generated from src/aggregate).
ALTER TABLE workshop_metrics DROP CONSTRAINT workshop_metrics_metric_type_check;
ALTER TABLE workshop_metrics
  ADD CONSTRAINT workshop_metrics_metric_type_check CHECK (metric_type IN ('daily', 'weekly', 'monthly')),
  ADD COLUMN signups_step_1 integer NOT NULL DEFAULT 0,
  ADD COLUMN signups_step_2 integer NOT NULL DEFAULT 0,
  ADD COLUMN signups_step_3 integer NOT NULL DEFAULT 0,
  ADD COLUMN signups_submitted integer NOT NULL DEFAULT 0,
  ADD COLUMN applications_viewed integer NOT NULL DEFAULT 0,
  ADD COLUMN approval_rate numeric(7, 2),
  ADD COLUMN total_mechanics_invited integer NOT NULL DEFAULT 0,
  ADD COLUMN workshops_over_3_mechanics integer NOT NULL DEFAULT 0,
  ADD COLUMN pct_workshops_with_mechanics numeric(7, 2),
  ADD COLUMN avg_invite_to_signup_hours numeric(12, 2),
  ADD COLUMN avg_page_load_ms integer,
  ADD COLUMN avg_satisfaction numeric(4, 2);

-- Down Migration
DELETE FROM workshop_metrics WHERE metric_type = 'monthly';
ALTER TABLE workshop_metrics
  DROP COLUMN signups_step_1,
  DROP COLUMN signups_step_2,
  DROP COLUMN signups_step_3,
  DROP COLUMN signups_submitted,
  DROP COLUMN applications_viewed,
  DROP COLUMN approval_rate,
  DROP COLUMN total_mechanics_invited,
  DROP COLUMN workshops_over_3_mechanics,
  DROP COLUMN pct_workshops_with_mechanics,
  DROP COLUMN avg_invite_to_signup_hours,
  DROP COLUMN avg_page_load_ms,
  DROP COLUMN avg_satisfaction,
  DROP CONSTRAINT workshop_metrics_metric_type_check;
ALTER TABLE workshop_metrics
  ADD CONSTRAINT workshop_metrics_metric_type_check CHECK (metric_type IN ('daily', 'weekly'));
