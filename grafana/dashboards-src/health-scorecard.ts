/**
 * Workshop Health Scorecard (plan: "Dashboard 2"): one workshop (variable `workshop`), its health score with
 * status colour, the inputs of every factor (docs/health-score.md) and its recent activity.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  AT_RISK_FROM,
  HEALTHY_FROM,
  LOGIN_FRESH_DAYS,
  SESSIONS_TARGET_30D,
  WEIGHTS,
} from '../../src/aggregate/health-score.js';
import { workshopLifecycleAnnotation } from './annotations.js';
import {
  alertThreshold,
  atLeast,
  baseDashboard,
  below,
  POSTGRES,
  PROMETHEUS,
  promQuery,
  row,
  sqlQuery,
  sqlSeries,
  statPanel,
  steps,
  tablePanel,
  TARGETS,
  THRESHOLDS,
  timeseriesPanel,
  UIDS,
  unitOverride,
} from './defaults.js';
import { inSegmentSql, segmentVariables } from './segments.js';

const W = '{workshop_id="$workshop"}';
const scoreSteps = () =>
  steps([
    [null, 'red'],
    [AT_RISK_FROM, 'orange'],
    [HEALTHY_FROM, 'green'],
  ]);

export function workshopVariable() {
  const query = `SELECT workshop_id::text AS __value,
       coalesce(name, workshop_id::text) || ' — ' || coalesce(city, '?') || ' (' || coalesce(status, 'unknown') || ')' AS __text
FROM workshops
WHERE ${inSegmentSql()}
ORDER BY (status = 'active') DESC, name`;
  return new dashboard.QueryVariableBuilder('workshop')
    .label('Workshop')
    .description('Every workshop that signed up, in the selected regions and cities; active ones first.')
    .datasource(POSTGRES)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.Disabled);
}

// ------------------------------------------------------------------------------------------------ score

function score() {
  return statPanel({
    title: 'Health score',
    description: `workshop_id:health_score:max (0-100, docs/health-score.md): healthy from ${HEALTHY_FROM}, at risk from ${AT_RISK_FROM}, critical below. Active workshops only.`,
    unit: 'none',
    w: 6,
    h: 6,
    min: 0,
    max: 100,
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery(`workshop_id:health_score:max${W}`)],
    thresholds: scoreSteps(),
    noValue: 'not active',
  });
}

function status() {
  return statPanel({
    title: 'Status',
    description: 'The score as a status.',
    unit: 'none',
    w: 6,
    h: 6,
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery(`workshop_id:health_score:max${W}`)],
    thresholds: scoreSteps(),
    noValue: 'not active',
  }).mappings([
    {
      type: dashboard.MappingType.RangeToText,
      options: { from: HEALTHY_FROM, to: 100, result: { text: '● Healthy', color: 'green', index: 0 } },
    },
    {
      type: dashboard.MappingType.RangeToText,
      options: {
        from: AT_RISK_FROM,
        to: HEALTHY_FROM - 0.001,
        result: { text: '● At risk', color: 'orange', index: 1 },
      },
    },
    {
      type: dashboard.MappingType.RangeToText,
      options: { from: 0, to: AT_RISK_FROM - 0.001, result: { text: '● Critical', color: 'red', index: 2 } },
    },
  ]);
}

function profile() {
  return tablePanel({
    title: 'Workshop',
    description: 'Profile and lifecycle of the workshop (workshops projection).',
    unit: 'none',
    w: 12,
    h: 6,
    datasource: POSTGRES,
    targets: [
      sqlQuery(`
      SELECT name, city, region, province, status, submitted_at AS submitted, approved_at AS approved, capacity,
             last_dashboard_access_at AS "last dashboard access"
      FROM workshops
      WHERE workshop_id = '$workshop'`),
    ],
  });
}

// ------------------------------------------------------------------------------------------------ factor inputs

function mechanics() {
  return statPanel({
    title: 'Mechanics vs capacity',
    description: `Active mechanics and the capacity from the signup (factor capacity_utilization, weight ${WEIGHTS.capacity_utilization}).`,
    unit: 'short',
    datasource: PROMETHEUS,
    targets: [
      promQuery(`workshop_id:mechanics_active:max${W}`, { legend: 'active', refId: 'A' }),
      promQuery(`workshop_id:mechanic_capacity:max${W}`, { legend: 'capacity', refId: 'B' }),
    ],
  });
}

function utilisation() {
  return statPanel({
    title: 'Capacity utilisation',
    description: `Active mechanics ÷ capacity (workshop_id:mechanic_utilisation:ratio, as the WorkshopThriving alert: thriving from ${alertThreshold('WorkshopThriving') * 100}%).`,
    unit: 'percentunit',
    decimals: 0,
    datasource: PROMETHEUS,
    targets: [promQuery(`workshop_id:mechanic_utilisation:ratio${W}`)],
    thresholds: steps([
      [null, 'orange'],
      [0.5, 'green'],
      [alertThreshold('WorkshopThriving'), 'blue'],
    ]),
  });
}

function retention() {
  return statPanel({
    title: 'Mechanic retention',
    description: `Mechanics still active ÷ mechanics that ever joined (factor mechanic_retention, weight ${WEIGHTS.mechanic_retention}).`,
    unit: 'percent',
    decimals: 0,
    datasource: POSTGRES,
    thresholds: steps([
      [null, 'red'],
      [50, 'orange'],
      [80, 'green'],
    ]),
    targets: [
      sqlQuery(`
      SELECT count(*) FILTER (WHERE active) AS "still active", count(*) AS joined,
             round(100.0 * count(*) FILTER (WHERE active) / nullif(count(*), 0), 1) AS retention
      FROM mechanics
      WHERE workshop_id = '$workshop' AND joined_at IS NOT NULL`),
    ],
  }).reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']).fields('/^retention$/'));
}

function profileCompleteness() {
  return statPanel({
    title: 'Profile complete',
    description: `Latest profile completeness reported (factor profile_completeness, weight ${WEIGHTS.profile_completeness}).`,
    unit: 'percent',
    decimals: 0,
    datasource: POSTGRES,
    thresholds: steps([
      [null, 'red'],
      [50, 'orange'],
      [80, 'green'],
    ]),
    targets: [
      sqlQuery(`
      SELECT profile_completeness AS "profile completeness"
      FROM workshops
      WHERE workshop_id = '$workshop'`),
    ],
    noValue: 'never reported',
  });
}

function inviteAcceptance() {
  return statPanel({
    title: 'Invite acceptance (30 days)',
    description: `Resolved invitations of the last 30 days (accepted, expired or past INVITE_TTL_DAYS) that were accepted; open ones do not count (workshop_id:invite_acceptance:ratio30d, as the WorkshopLowInviteAcceptance alert; factor invite_acceptance, weight ${WEIGHTS.invite_acceptance}). Target above ${TARGETS.inviteAcceptance * 100}%.`,
    unit: 'percentunit',
    decimals: 0,
    background: true,
    datasource: PROMETHEUS,
    thresholds: atLeast(TARGETS.inviteAcceptance),
    targets: [promQuery(`workshop_id:invite_acceptance:ratio30d${W}`)],
    noValue: 'no invitations',
  });
}

function invitations() {
  return statPanel({
    title: 'Invitations (30 days)',
    description: 'Invitations sent in the last 30 days, and how many of them were accepted.',
    unit: 'short',
    datasource: PROMETHEUS,
    targets: [
      promQuery(`workshop_id:invites_sent_30d:max${W}`, { legend: 'sent', refId: 'A' }),
      promQuery(`workshop_id:invites_accepted_30d:max${W}`, { legend: 'accepted', refId: 'B' }),
    ],
  });
}

function lastLogin() {
  return statPanel({
    title: 'Last dashboard access',
    description: `Time since the last dashboard access, or since approval if never (workshop_id:dashboard_inactivity:seconds; factor login_recency, weight ${WEIGHTS.login_recency}). WorkshopChurnRisk fires after ${THRESHOLDS.inactiveDays} days.`,
    unit: 's',
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery(`workshop_id:dashboard_inactivity:seconds${W}`)],
    thresholds: below(THRESHOLDS.inactiveDays * 86400, LOGIN_FRESH_DAYS * 86400),
  });
}

function sessions() {
  return statPanel({
    title: 'Sessions (30 days)',
    description: `Sessions completed in the last 30 days (workshop_id:sessions_completed_30d:max; factor sessions_30d, weight ${WEIGHTS.sessions_30d}: full at ${SESSIONS_TARGET_30D}).`,
    unit: 'short',
    datasource: PROMETHEUS,
    targets: [promQuery(`workshop_id:sessions_completed_30d:max${W}`)],
    thresholds: steps([
      [null, 'orange'],
      [SESSIONS_TARGET_30D, 'green'],
    ]),
  });
}

function revenue() {
  return statPanel({
    title: 'Revenue (30 days)',
    description: `Revenue of sessions completed in the last 30 days and in the 30 days before (factor revenue_trend, weight ${WEIGHTS.revenue_trend}).`,
    unit: 'currencyUSD',
    decimals: 0,
    w: 24,
    datasource: POSTGRES,
    targets: [
      sqlQuery(`
      SELECT coalesce(sum(revenue_cents) FILTER (WHERE occurred_at >= now() - interval '30 days'), 0) / 100.0 AS "last 30 days",
             coalesce(sum(revenue_cents) FILTER (WHERE occurred_at < now() - interval '30 days'), 0) / 100.0 AS "30 days before"
      FROM workshop_events
      WHERE workshop_id = '$workshop' AND event_type = 'session_completed' AND occurred_at >= now() - interval '60 days'`),
    ],
  });
}

// ------------------------------------------------------------------------------------------------ activity

function scoreHistory() {
  return timeseriesPanel({
    title: 'Health score over time',
    description: 'workshop_id:health_score:max over the dashboard range.',
    unit: 'none',
    w: 12,
    min: 0,
    max: 100,
    datasource: PROMETHEUS,
    thresholds: scoreSteps(),
    thresholdLine: true,
    targets: [promQuery(`workshop_id:health_score:max${W}`, { legend: 'health score', range: true })],
  });
}

function sessionsPerDay() {
  return timeseriesPanel({
    title: 'Sessions and revenue per day',
    description: 'Sessions completed and their revenue per day (workshop_events).',
    unit: 'short',
    w: 12,
    datasource: POSTGRES,
    targets: [
      sqlSeries(`
      SELECT $__timeGroupAlias(occurred_at, 1d), count(*) AS sessions, sum(revenue_cents) / 100.0 AS revenue
      FROM workshop_events
      WHERE workshop_id = '$workshop' AND event_type = 'session_completed' AND $__timeFilter(occurred_at)
      GROUP BY 1
      ORDER BY 1`),
    ],
  }).overrideByName('revenue', [...unitOverride('currencyUSD'), { id: 'custom.axisPlacement', value: 'right' }]);
}

function recentActivity() {
  return tablePanel({
    title: 'Recent activity',
    description:
      'The latest 50 events of the workshop in the dashboard range (details from grafana_events: first line, at most 200 characters, e-mail and IP addresses masked).',
    unit: 'none',
    w: 24,
    h: 10,
    datasource: POSTGRES,
    targets: [
      sqlQuery(`
      SELECT occurred_at AS "when", replace(event_type, '_', ' ') AS event, success,
             coalesce(error_summary, reason, service, invite_id, '') AS detail
      FROM grafana_events
      WHERE workshop_id = '$workshop' AND $__timeFilter(occurred_at)
      ORDER BY occurred_at DESC
      LIMIT 50`),
    ],
  }).overrideByName('when', unitOverride('dateTimeFromNow'));
}

// ------------------------------------------------------------------------------------------------ dashboard

export function scorecardDashboard() {
  return baseDashboard(
    UIDS.scorecard,
    'Workshop Health Scorecard',
    'One workshop: health score, the inputs of its factors and its recent activity.',
    'now-60d',
  )
    .withVariable(segmentVariables()[0]!)
    .withVariable(segmentVariables()[1]!)
    .withVariable(workshopVariable())
    .annotation(workshopLifecycleAnnotation())
    .withRow(row('Health'))
    .withPanel(score())
    .withPanel(status())
    .withPanel(profile())
    .withRow(row('Factor inputs'))
    .withPanel(mechanics())
    .withPanel(utilisation())
    .withPanel(retention())
    .withPanel(profileCompleteness())
    .withPanel(inviteAcceptance())
    .withPanel(invitations())
    .withPanel(lastLogin())
    .withPanel(sessions())
    .withPanel(revenue())
    .withRow(row('Activity'))
    .withPanel(scoreHistory())
    .withPanel(sessionsPerDay())
    .withPanel(recentActivity());
}
