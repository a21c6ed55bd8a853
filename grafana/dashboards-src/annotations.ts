/**
 * Annotations from the event log (PostgreSQL, SQL on workshop_events within the dashboard's time range; reasons come
 * from the view grafana_events, bounded and masked: grafana_reader cannot read metadata) and, for the beta milestones,
 * from its projection workshops (approved_at: the first approval's occurred_at).
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { BETA_ORDER, inBetaWindow, POSTGRES, sqlQuery } from './defaults.js';

function annotation(name: string, iconColor: string, rawSql: string) {
  return new dashboard.AnnotationQueryBuilder()
    .name(name)
    .datasource(POSTGRES)
    .enable(true)
    .iconColor(iconColor)
    .target(sqlQuery(rawSql, 'Anno'));
}

export function approvalsAnnotation() {
  return annotation(
    'Approvals',
    'green',
    `
    SELECT e.occurred_at AS time,
           'Approved: ' || coalesce(w.name, e.workshop_id::text) || coalesce(' (' || w.city || ')', '') AS text,
           'approval' AS tags
    FROM workshop_events e
    LEFT JOIN workshops w ON w.workshop_id = e.workshop_id
    WHERE e.event_type = 'workshop_approved' AND $__timeFilter(e.occurred_at)
    ORDER BY e.occurred_at`,
  );
}

export function suspensionsAnnotation() {
  return annotation(
    'Suspensions',
    'red',
    `
    SELECT e.occurred_at AS time,
           CASE e.event_type WHEN 'workshop_suspended' THEN 'Suspended: ' ELSE 'Reactivated: ' END
             || coalesce(w.name, e.workshop_id::text) || coalesce(' — ' || e.reason, '') AS text,
           CASE e.event_type WHEN 'workshop_suspended' THEN 'suspension' ELSE 'reactivation' END AS tags
    FROM grafana_events e
    LEFT JOIN workshops w ON w.workshop_id = e.workshop_id
    WHERE e.event_type IN ('workshop_suspended', 'workshop_reactivated') AND $__timeFilter(e.occurred_at)
    ORDER BY e.occurred_at`,
  );
}

/**
 * The approvals that brought the beta workshops to BETA_TARGET_MIN and to BETA_TARGET_MAX: the n-th workshop first
 * approved within [BETA_START, BETA_END) (inBetaWindow, BETA_ORDER) — the milestones WorkshopBetaMilestoneReached
 * notifies (workshop_beta_milestone_timestamp_seconds), counted the same way. Needs the variables beta_start,
 * beta_end, beta_target_min and beta_target_max.
 */
export function betaMilestoneAnnotation() {
  return annotation(
    'Beta milestone',
    'purple',
    `
    SELECT approved_at AS time,
           'Beta target reached: ' || n || ' beta workshops (' || coalesce(name, workshop_id::text) || ')' AS text,
           'beta,milestone' AS tags
    FROM (
      SELECT workshop_id, name, approved_at, row_number() OVER (ORDER BY ${BETA_ORDER}) AS n
      FROM workshops
      WHERE ${inBetaWindow()}
    ) beta
    WHERE n IN (\${beta_target_min}, \${beta_target_max}) AND $__timeFilter(approved_at)
    ORDER BY approved_at`,
  );
}

/** Lifecycle events of the selected workshop. */
export function workshopLifecycleAnnotation() {
  return annotation(
    'Workshop lifecycle',
    'blue',
    `
    SELECT occurred_at AS time,
           replace(event_type, '_', ' ') || coalesce(' — ' || reason, '') AS text,
           event_type AS tags
    FROM grafana_events
    WHERE workshop_id = '$workshop'
      AND event_type IN ('workshop_signup_success', 'workshop_approved', 'workshop_rejected', 'workshop_suspended',
                         'workshop_reactivated', 'workshop_first_mechanic', 'workshop_capacity_reached')
      AND $__timeFilter(occurred_at)
    ORDER BY occurred_at`,
  );
}
