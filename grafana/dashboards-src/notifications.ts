/**
 * Dashboard notifications (the plan's "Action: Dashboard notification" and "Dashboard celebration banner"): the
 * alerts labelled audience="dashboard" (WorkshopLowInviteAcceptance, WorkshopSlowApprovals,
 * WorkshopBetaMilestoneReached) as Alertmanager delivered them to the service's webhook (workshop_alerts). A
 * notification is open while its alert fires and nobody acknowledged it; `POST /api/alerts/:id/acknowledge` hides it
 * from both panels. Read by grafana_reader, which may SELECT workshop_alerts (migration 1730000000003).
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { POSTGRES, scorecardLink, sqlQuery, statPanel, steps, tablePanel, unitOverride } from './defaults.js';

/** An open dashboard notification (`a` is workshop_alerts): firing, not acknowledged, audience dashboard. */
export const OPEN_DASHBOARD_NOTIFICATION = `a.status = 'firing' AND NOT a.acknowledged AND a.labels ->> 'audience' = 'dashboard'`;
/** The banner's text when no beta milestone notification is open. */
export const NO_MILESTONE_TEXT = 'No new beta milestone';
const MILESTONE_ALERT = 'WorkshopBetaMilestoneReached';
const ACKNOWLEDGE =
  'Acknowledge one with its alert id: `POST /api/alerts/<alert id>/acknowledge` with `{"by": "<you>"}` ' +
  '(admin token); it then disappears.';

/** Workshop Overview: every open dashboard notification, newest first. */
export function notificationsPanel() {
  return tablePanel({
    title: 'Notifications',
    description:
      'Open dashboard notifications: alerts for the dashboard audience (low invite acceptance, slow approvals, beta ' +
      `milestones) that fire now and are not acknowledged, newest first. ${ACKNOWLEDGE} ` +
      'Click a row with a workshop for its scorecard.',
    unit: 'none',
    w: 24,
    h: 6,
    datasource: POSTGRES,
    links: [scorecardLink()],
    targets: [
      sqlQuery(`
      SELECT a.starts_at AS since, a.title, a.message, coalesce(w.name, a.annotations ->> 'name') AS workshop,
             a.alert_type AS alert, a.id AS "alert id", a.workshop_id
      FROM workshop_alerts a
      LEFT JOIN workshops w ON w.workshop_id = a.workshop_id
      WHERE ${OPEN_DASHBOARD_NOTIFICATION}
      ORDER BY a.starts_at DESC, a.created_at DESC
      LIMIT 100`),
    ],
  }).overrideByName('since', unitOverride('dateTimeFromNow'));
}

/** Beta Program Tracker: the open beta milestone notification's text (the newest), or a neutral line. */
export function betaMilestoneBanner() {
  return statPanel({
    title: 'Beta milestone notification',
    description:
      `The open, unacknowledged ${MILESTONE_ALERT} notification (the newest), or "${NO_MILESTONE_TEXT}". It fires ` +
      `for 12 hours after the approval that reached BETA_TARGET_MIN or BETA_TARGET_MAX beta workshops. ${ACKNOWLEDGE}`,
    unit: 'none',
    w: 24,
    h: 3,
    background: true,
    datasource: POSTGRES,
    thresholds: steps([[null, 'transparent']]),
    targets: [
      sqlQuery(`
      SELECT coalesce(
               (SELECT a.title
                FROM workshop_alerts a
                WHERE a.alert_type = '${MILESTONE_ALERT}' AND ${OPEN_DASHBOARD_NOTIFICATION}
                ORDER BY a.starts_at DESC, a.created_at DESC
                LIMIT 1),
               '${NO_MILESTONE_TEXT}') AS banner`),
    ],
  })
    .textMode(common.BigValueTextMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']).fields('/^banner$/'))
    .mappings([
      {
        type: dashboard.MappingType.ValueToText,
        options: { [NO_MILESTONE_TEXT]: { color: 'transparent', index: 0 } },
      },
      { type: dashboard.MappingType.RegexToText, options: { pattern: '.+', result: { color: 'purple', index: 1 } } },
    ]);
}
