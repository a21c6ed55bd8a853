/**
 * Beta Program Tracker (plan: "Dashboard 3"): a celebration banner while a beta milestone notification is open, the
 * programme's window and progress (from the beta gauges), the target against the beta workshops (first approved
 * within the beta window: src/aggregate/beta-programme.ts) with the day each joined and the milestones, success
 * metrics and a readiness checklist computed from live data. The beta window reaches SQL through hidden variables
 * read from Prometheus (beta_start, beta_end, beta_target_min, beta_target_max).
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as text from '@grafana/grafana-foundation-sdk/text';
import { approvalsAnnotation, betaMilestoneAnnotation, suspensionsAnnotation } from './annotations.js';
import {
  apply,
  atLeast,
  baseDashboard,
  BETA_ORDER,
  BETA_VARIABLES,
  checkMappings,
  inBetaWindow,
  POSTGRES,
  PROMETHEUS,
  promQuery,
  row,
  scorecardLink,
  sqlQuery,
  statPanel,
  steps,
  tablePanel,
  TARGETS,
  UIDS,
  unitOverride,
} from './defaults.js';
import { betaMilestoneBanner } from './notifications.js';
import { inSegmentSql, segmentVariables } from './segments.js';

const START = 'max(workshop_beta_start_timestamp_seconds)';
const END = 'max(workshop_beta_end_timestamp_seconds)';
/** First approved within the beta window: a beta workshop. */
const IN_BETA = inBetaWindow();
/** Sessions completed by beta workshops since the beta started (FROM … WHERE of a query). */
const BETA_SESSIONS = `
      FROM workshop_events e
      JOIN workshops w ON w.workshop_id = e.workshop_id
      WHERE e.event_type = 'session_completed' AND e.occurred_at >= to_timestamp(${'${beta_start}'})
        AND ${inBetaWindow('w.approved_at')}`;
const check = () =>
  steps([
    [null, 'red'],
    [1, 'green'],
  ]);

// ------------------------------------------------------------------------------------------------ programme

function startDate() {
  return statPanel({
    title: 'Start date',
    description: 'BETA_START (workshop_beta_start_timestamp_seconds).',
    unit: 'dateTimeAsIsoNoDateIfToday',
    w: 5,
    datasource: PROMETHEUS,
    targets: [promQuery(`${START} * 1000`)],
  });
}

function endDate() {
  return statPanel({
    title: 'End date',
    description: 'BETA_END (workshop_beta_end_timestamp_seconds).',
    unit: 'dateTimeAsIsoNoDateIfToday',
    w: 5,
    datasource: PROMETHEUS,
    targets: [promQuery(`${END} * 1000`)],
  });
}

function daysElapsed() {
  return statPanel({
    title: 'Days elapsed',
    description: 'Days since the start, within the programme (0 before it starts, its length after it ends).',
    unit: 'd',
    decimals: 0,
    w: 4,
    datasource: PROMETHEUS,
    targets: [promQuery(`clamp_max(clamp_min((time() - ${START}) / 86400, 0), scalar((${END} - ${START}) / 86400))`)],
  });
}

function duration() {
  return statPanel({
    title: 'Programme length',
    description: 'Days from BETA_START to BETA_END.',
    unit: 'd',
    decimals: 0,
    w: 4,
    datasource: PROMETHEUS,
    targets: [promQuery(`(${END} - ${START}) / 86400`)],
  });
}

function progress() {
  return apply(new bargauge.PanelBuilder(), {
    title: 'Progress',
    description: 'Share of the programme elapsed.',
    unit: 'percentunit',
    decimals: 0,
    w: 6,
    h: 4,
    min: 0,
    max: 1,
    datasource: PROMETHEUS,
    targets: [
      promQuery(`clamp_max(clamp_min((time() - ${START}) / (${END} - ${START}), 0), 1)`, { legend: 'elapsed' }),
    ],
  })
    .displayMode(common.BarGaugeDisplayMode.Lcd)
    .orientation(common.VizOrientation.Horizontal)
    .showUnfilled(true)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']));
}

// ------------------------------------------------------------------------------------------------ target

/** Colours of the plan's 3-5 workshop target: below orange, within green, above blue. */
const PLAN_TARGET = () =>
  steps([
    [null, 'orange'],
    [3, 'green'],
    [6, 'blue'],
  ]);

function target() {
  return statPanel({
    title: 'Target (workshops)',
    description:
      'BETA_TARGET_MIN to BETA_TARGET_MAX beta workshops (workshop:beta_target_min:max, workshop:beta_target_max:max).',
    unit: 'short',
    w: 6,
    datasource: PROMETHEUS,
    targets: [
      promQuery('workshop:beta_target_min:max', { legend: 'min', refId: 'A' }),
      promQuery('workshop:beta_target_max:max', { legend: 'max', refId: 'B' }),
    ],
  });
}

function betaCount() {
  return statPanel({
    title: 'Beta workshops onboarded',
    description:
      "Workshops first approved within the beta window, whatever their status now (workshop:beta_workshops:max, as WorkshopBetaMilestoneReached counts them; the table below lists them); green within the plan's 3-5 target.",
    unit: 'short',
    w: 6,
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:beta_workshops:max')],
    thresholds: PLAN_TARGET(),
  });
}

function current() {
  return statPanel({
    title: 'Active workshops',
    description:
      "Workshops active now, beta or not (workshop:active_workshops:max); green within the plan's 3-5 target.",
    unit: 'short',
    w: 6,
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:active_workshops:max')],
    thresholds: PLAN_TARGET(),
  });
}

function milestones() {
  return statPanel({
    title: 'Milestones reached',
    description:
      'When the beta workshops reached BETA_TARGET_MIN (target_min) and BETA_TARGET_MAX (target_max): the occurred_at of the approval that made the n-th beta workshop (milestone:beta_milestone_timestamp_seconds:max; the "Beta milestone" annotation marks the same approvals).',
    unit: 'dateTimeAsIso',
    w: 6,
    datasource: PROMETHEUS,
    targets: [promQuery('milestone:beta_milestone_timestamp_seconds:max * 1000', { legend: '{{milestone}}' })],
    noValue: 'not yet',
  });
}

function betaWorkshops() {
  return tablePanel({
    title: 'Beta workshops',
    description:
      'Workshops first approved within the beta window, in milestone order (row n is milestone n, counted over every beta workshop), with the programme day each joined (day 1 = the start date); those of the selected regions and cities. Click a row for its scorecard.',
    unit: 'none',
    w: 24,
    h: 8,
    datasource: POSTGRES,
    links: [scorecardLink()],
    targets: [
      sqlQuery(`
      SELECT "#", name, city, region, status, approved, "day joined", workshop_id
      FROM (SELECT row_number() OVER (ORDER BY ${BETA_ORDER}) AS "#", name, city, region, status, approved_at AS approved,
                   floor(extract(epoch FROM approved_at - to_timestamp(\${beta_start})) / 86400)::int + 1 AS "day joined",
                   workshop_id, ${inSegmentSql()} AS selected
            FROM workshops
            WHERE ${IN_BETA}) b
      WHERE selected
      ORDER BY "#"`),
    ],
  }).overrideByName('approved', unitOverride('dateTimeAsIso'));
}

// ------------------------------------------------------------------------------------------------ success metrics

function mechanicsOnboarded() {
  return statPanel({
    title: 'Mechanics onboarded',
    description: 'Mechanics who joined a beta workshop since the start (accepted an invitation).',
    w: 4,
    unit: 'short',
    datasource: POSTGRES,
    targets: [
      sqlQuery(`
      SELECT count(*) AS mechanics
      FROM mechanics m
      JOIN workshops w ON w.workshop_id = m.workshop_id
      WHERE ${inBetaWindow('w.approved_at')}
        AND m.joined_at >= to_timestamp(\${beta_start})`),
    ],
  });
}

function sessionsCompleted() {
  return statPanel({
    title: 'Sessions completed',
    description: 'Sessions completed by beta workshops since the start.',
    w: 4,
    unit: 'short',
    datasource: POSTGRES,
    targets: [
      sqlQuery(`
      SELECT count(*) AS sessions${BETA_SESSIONS}`),
    ],
  });
}

function revenue() {
  return statPanel({
    title: 'Revenue',
    description: 'Revenue of the sessions completed by beta workshops since the start.',
    w: 4,
    unit: 'currencyUSD',
    decimals: 0,
    datasource: POSTGRES,
    targets: [
      sqlQuery(`
      SELECT coalesce(sum(e.revenue_cents), 0) / 100.0 AS revenue${BETA_SESSIONS}`),
    ],
  });
}

function emailDelivery() {
  return statPanel({
    title: 'Email delivery (24 h)',
    description: `Sent ÷ attempted in the last 24 hours (workshop:email_success:ratio24h). Target above ${TARGETS.emailDelivery * 100}%.`,
    w: 4,
    unit: 'percentunit',
    decimals: 1,
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:email_success:ratio24h')],
    thresholds: atLeast(TARGETS.emailDelivery),
    noValue: 'no emails',
  });
}

function satisfaction() {
  return statPanel({
    title: 'Avg workshop satisfaction',
    description:
      'Average rating (metadata.rating, 1-5) of the session_rated events of beta workshops within the beta window (BETA_START to BETA_END), read through the grafana_events view (its rating column; grafana_reader never reads metadata).',
    w: 4,
    unit: 'suffix:/5',
    decimals: 1,
    min: 1,
    max: 5,
    background: true,
    datasource: POSTGRES,
    thresholds: steps([
      [null, 'red'],
      [3.5, 'orange'],
      [4.5, 'green'],
    ]),
    targets: [
      sqlQuery(`
      SELECT round(avg(e.rating), 1) AS satisfaction
      FROM grafana_events e
      JOIN workshops w ON w.workshop_id = e.workshop_id
      WHERE e.event_type = 'session_rated' AND e.rating IS NOT NULL
        AND e.occurred_at >= to_timestamp(\${beta_start}) AND e.occurred_at < to_timestamp(\${beta_end})
        AND ${inBetaWindow('w.approved_at')}`),
    ],
    noValue: 'no ratings',
  });
}

/** Availability of the analytics service over the beta window (every sample up to now of [BETA_START, BETA_END)). */
export const UPTIME_EXPR =
  'avg(avg_over_time(up{job=~"workshop-analytics|workshop-analytics-aggregator"}[${beta_days}d] @ ${beta_end}))';

function uptime() {
  return statPanel({
    title: 'Platform uptime',
    description:
      'Availability of the workshop analytics service (this service, NOT the marketplace: the marketplace is not scraped here) over the beta window: the share of Prometheus scrapes of the service jobs ("workshop-analytics": ingest replicas, "workshop-analytics-aggregator": the aggregator) that succeeded (up), from BETA_START (the window is the beta length ending at BETA_END) to now, averaged over the scraped instances. A gap where Prometheus itself was down is not counted either way, nor is what is older than the Prometheus retention (docker-compose.yml keeps 30 days: raise --storage.tsdb.retention.time to cover the whole beta).',
    w: 4,
    unit: 'percentunit',
    decimals: 2,
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery(UPTIME_EXPR)],
    thresholds: steps([
      [null, 'red'],
      [0.99, 'orange'],
      [0.998, 'green'],
    ]),
    noValue: 'no scrapes',
  });
}

// ------------------------------------------------------------------------------------------------ readiness

function readinessCheck(title: string, description: string, expr: string) {
  return statPanel({
    title,
    description: `${description} 1 = met; no data counts as not met.`,
    w: 4,
    unit: 'none',
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery(`(${expr}) or on () vector(0)`)],
    thresholds: check(),
  }).mappings(checkMappings());
}

function readyApprovalTime() {
  return readinessCheck(
    'Avg approval time < 24 h',
    'workshop:approval_time_avg_7d_seconds:max (7 days) below 24 h.',
    `workshop:approval_time_avg_7d_seconds:max < bool ${TARGETS.approvalSeconds}`,
  );
}

function readyAcceptance() {
  return readinessCheck(
    'Invite acceptance > 70%',
    'Resolved invitations of the last 30 days (accepted, expired or past INVITE_TTL_DAYS) that were accepted, across active workshops (sum of workshop_id:invites_accepted_30d:max ÷ sum of workshop_id:invites_resolved_30d:max).',
    `sum(workshop_id:invites_accepted_30d:max) / sum(workshop_id:invites_resolved_30d:max) > bool ${TARGETS.inviteAcceptance}`,
  );
}

function readyEmail() {
  return readinessCheck(
    'Email delivery > 98%',
    'workshop:email_success:ratio24h above 98%.',
    `workshop:email_success:ratio24h > bool ${TARGETS.emailDelivery}`,
  );
}

function readyAllActive() {
  return statPanel({
    title: 'All beta workshops active',
    description:
      'Every workshop approved within the beta window is active (none suspended). 1 = met; no beta workshop counts as not met.',
    w: 4,
    unit: 'none',
    background: true,
    datasource: POSTGRES,
    thresholds: check(),
    targets: [
      sqlQuery(`
      SELECT CASE WHEN count(*) > 0 AND bool_and(status = 'active') THEN 1 ELSE 0 END AS "all active"
      FROM workshops
      WHERE ${IN_BETA}`),
    ],
  }).mappings(checkMappings());
}

/** The plan's manual items, next to the automatic checks. */
export const READINESS_CHECKLIST = `
**Automatic** (the panels on the left, from live data): average approval time < 24 h, invite acceptance > 70%,
email delivery > 98%, all beta workshops active.

**Manual** (ticked by the programme team; not computed):

- ⚠ **Document common issues**: what beta workshops ran into, and its fix, in docs/runbooks.md
  (one entry per issue: symptom, cause, fix).
- ⏳ **Corporate features pending (Phase 2)**: not part of the beta; tracked in the plan's Phase 2.
`;

function readinessChecklist() {
  return new text.PanelBuilder()
    .title('Readiness checklist')
    .description('The plan\'s "Readiness for scale" items that no data can check, beside the automatic checks.')
    .span(8)
    .height(8)
    .mode(text.TextMode.Markdown)
    .content(READINESS_CHECKLIST.trim());
}

// ------------------------------------------------------------------------------------------------ dashboard

export function betaDashboard() {
  return baseDashboard(
    UIDS.beta,
    'Beta Program Tracker',
    'The beta programme: milestone banner, window and progress, target against beta workshops, success metrics and readiness for scale.',
    'now-90d',
  )
    .withVariable(BETA_VARIABLES.start())
    .withVariable(BETA_VARIABLES.end())
    .withVariable(BETA_VARIABLES.targetMin())
    .withVariable(BETA_VARIABLES.targetMax())
    .withVariable(BETA_VARIABLES.days())
    .withVariable(segmentVariables()[0]!)
    .withVariable(segmentVariables()[1]!)
    .annotation(approvalsAnnotation())
    .annotation(suspensionsAnnotation())
    .annotation(betaMilestoneAnnotation())
    .withPanel(betaMilestoneBanner())
    .withRow(row('Beta programme status'))
    .withPanel(startDate())
    .withPanel(endDate())
    .withPanel(daysElapsed())
    .withPanel(duration())
    .withPanel(progress())
    .withRow(row('Beta workshop target'))
    .withPanel(target())
    .withPanel(betaCount())
    .withPanel(current())
    .withPanel(milestones())
    .withPanel(betaWorkshops())
    .withRow(row('Beta success metrics'))
    .withPanel(mechanicsOnboarded())
    .withPanel(sessionsCompleted())
    .withPanel(revenue())
    .withPanel(emailDelivery())
    .withPanel(satisfaction())
    .withPanel(uptime())
    .withRow(row('Readiness for scale'))
    .withPanel(readyApprovalTime())
    .withPanel(readyAcceptance())
    .withPanel(readyEmail())
    .withPanel(readyAllActive())
    .withPanel(readinessChecklist());
}
