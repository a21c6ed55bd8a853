/**
 * Workshop Overview (plan: "Dashboard 1: Admin Workshop Overview"): dashboard notifications, funnel, pending
 * applications, approvals, invitations, email delivery, active workshops on a map, workshop health, open alerts,
 * service and alerting health (service-health.ts) and KPI trends.
 * Live values read the recording rules the alerts read (prometheus/rules/workshop-analytics.rules.yml); counts
 * over fixed windows and lists read PostgreSQL.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as geomap from '@grafana/grafana-foundation-sdk/geomap';
import { HEALTHY_FROM, AT_RISK_FROM } from '../../src/aggregate/health-score.js';
import { approvalsAnnotation, suspensionsAnnotation } from './annotations.js';
import { notificationsPanel } from './notifications.js';
import {
  apply,
  atLeast,
  baseDashboard,
  below,
  neutral,
  POSTGRES,
  PROMETHEUS,
  promQuery,
  row,
  scorecardLink,
  sqlQuery,
  sqlSeries,
  statPanel,
  steps,
  tablePanel,
  TARGETS,
  THRESHOLDS,
  thresholdsOverride,
  timeseriesPanel,
  UIDS,
  unitOverride,
} from './defaults.js';
import { inSegmentSql, NONE, SEGMENT_NAMES, segmentVariables } from './segments.js';
import { apiErrorRate, ruleEvaluationFailures } from './service-health.js';

const H24 = 24 * 3600;
const pct = (ratio: number) => ratio * 100;

// ------------------------------------------------------------------------------------------------ funnel

const FUNNEL_SQL = `
  WITH counts AS (
    SELECT
      (SELECT count(*) FROM workshop_events WHERE event_type = 'workshop_signup_started' AND $__timeFilter(occurred_at)) AS started,
      count(*) AS completed,
      count(approved_at) AS approved,
      count(*) FILTER (WHERE status = 'active') AS active
    FROM workshops
    WHERE $__timeFilter(submitted_at)
  )
  SELECT s.step, s.workshops,
         round(100.0 * s.workshops / nullif(c.started, 0), 1) AS "% of started",
         round(100.0 * s.workshops / nullif(s.previous, 0), 1) AS "% of previous step"
  FROM counts c,
       LATERAL (VALUES (1, '1. Started', c.started, c.started), (2, '2. Completed', c.completed, c.started),
                       (3, '3. Approved', c.approved, c.completed), (4, '4. Active', c.active, c.approved)) AS s(n, step, workshops, previous)
  ORDER BY s.n`;

function funnelBars() {
  return apply(new bargauge.PanelBuilder(), {
    title: 'Signup funnel (30 days)',
    description:
      'Signups started (workshop_signup_started events) in the last 30 days, and of the workshops that completed their signup in that window: how many were approved and how many are active now.',
    unit: 'short',
    w: 12,
    h: 8,
    datasource: POSTGRES,
    timeFrom: '30d',
    targets: [sqlQuery(FUNNEL_SQL)],
    thresholds: neutral(),
  })
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .orientation(common.VizOrientation.Horizontal)
    .showUnfilled(true)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(true).calcs([]).fields('/^workshops$/'));
}

function funnelTable() {
  return tablePanel({
    title: 'Funnel conversion (30 days)',
    description: `Each step as a share of the signups started and of the previous step. Target: signup conversion (completed ÷ started) above ${pct(TARGETS.signupConversion)}%.`,
    unit: 'percent',
    w: 12,
    h: 8,
    datasource: POSTGRES,
    timeFrom: '30d',
    targets: [sqlQuery(FUNNEL_SQL)],
    thresholds: atLeast(pct(TARGETS.signupConversion)),
  })
    .overrideByName('workshops', unitOverride('short'))
    .overrideByName('% of previous step', thresholdsOverride(atLeast(pct(TARGETS.signupConversion))));
}

function signupConversion24h() {
  return statPanel({
    title: 'Signup conversion (24 h)',
    description: `Signups completed ÷ signups started in the last 24 hours (recording rule workshop:signup_conversion:ratio24h, as the WorkshopLowSignupConversion alert). Target above ${pct(TARGETS.signupConversion)}%.`,
    unit: 'percentunit',
    decimals: 1,
    w: 24,
    h: 3,
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:signup_conversion:ratio24h')],
    thresholds: atLeast(TARGETS.signupConversion),
  });
}

// ------------------------------------------------------------------------------------------------ pending applications

function pendingTotal() {
  return statPanel({
    title: 'Pending applications',
    description: `Applications waiting for an approve/reject decision (workshop:applications_pending:max). The WorkshopApprovalBacklog alert fires above ${THRESHOLDS.approvalBacklog}.`,
    unit: 'short',
    w: 4,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:applications_pending:max')],
    thresholds: below(THRESHOLDS.approvalBacklog + 1, 1),
  });
}

function pendingOldest() {
  return statPanel({
    title: 'Oldest application',
    description: `How long the oldest pending application has waited (workshop_id:application_pending_age:seconds). Target: decided within 24 h; stuck (critical alert) after ${THRESHOLDS.stuckApplicationHours} h.`,
    unit: 's',
    w: 4,
    datasource: PROMETHEUS,
    targets: [promQuery('max(workshop_id:application_pending_age:seconds)')],
    thresholds: below(THRESHOLDS.stuckApplicationHours * 3600, TARGETS.approvalSeconds),
    noValue: 'none pending',
  });
}

function pendingAverageWait() {
  return statPanel({
    title: 'Average wait',
    description: 'Average time the pending applications have been waiting so far.',
    unit: 's',
    w: 4,
    datasource: PROMETHEUS,
    targets: [promQuery('avg(workshop_id:application_pending_age:seconds)')],
    thresholds: below(THRESHOLDS.stuckApplicationHours * 3600, TARGETS.approvalSeconds),
    noValue: 'none pending',
  });
}

function pendingOver24h() {
  return statPanel({
    title: 'Waiting more than 24 h',
    description: 'Pending applications older than the 24 h approval target.',
    unit: 'short',
    w: 4,
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery(`count(workshop_id:application_pending_age:seconds > ${H24}) or on () vector(0)`)],
    thresholds: steps([
      [null, 'green'],
      [1, 'red'],
    ]),
  });
}

function pendingList() {
  return tablePanel({
    title: 'Applications waiting',
    description:
      'Every pending application in the selected regions and cities, oldest first. Click a row for the workshop scorecard.',
    unit: 's',
    w: 8,
    h: 8,
    datasource: POSTGRES,
    links: [scorecardLink()],
    targets: [
      sqlQuery(`
      SELECT name, city, region, submitted_at AS submitted, extract(epoch FROM now() - submitted_at) AS waiting, workshop_id
      FROM workshops
      WHERE status = 'pending' AND ${inSegmentSql()}
      ORDER BY submitted_at`),
    ],
    thresholds: below(THRESHOLDS.stuckApplicationHours * 3600, TARGETS.approvalSeconds),
  }).overrideByName(
    'waiting',
    thresholdsOverride(below(THRESHOLDS.stuckApplicationHours * 3600, TARGETS.approvalSeconds)),
  );
}

// ------------------------------------------------------------------------------------------------ approvals (7 days)

function approvalDecisions() {
  return tablePanel({
    title: 'Decisions (7 days)',
    description: 'Approvals and rejections in the last 7 days, with their share of the decisions.',
    unit: 'short',
    w: 12,
    h: 6,
    datasource: POSTGRES,
    timeFrom: '7d',
    targets: [
      sqlQuery(`
      SELECT d.decision, count(e.id) AS decisions,
             round(100.0 * count(e.id) / nullif(sum(count(e.id)) OVER (), 0), 1) AS share
      FROM (VALUES ('Approved', 'workshop_approved'), ('Rejected', 'workshop_rejected')) AS d(decision, event_type)
      LEFT JOIN workshop_events e ON e.event_type = d.event_type AND $__timeFilter(e.occurred_at)
      GROUP BY d.decision
      ORDER BY d.decision`),
    ],
  }).overrideByName('share', [
    ...unitOverride('percent'),
    { id: 'custom.cellOptions', value: { type: 'gauge', mode: 'basic' } },
    { id: 'max', value: 100 },
  ]);
}

function approvalAverageTime() {
  return statPanel({
    title: 'Average decision time (7 days)',
    description:
      'Average time from signup to decision over the decisions of the last 7 days (workshop:approval_time_avg_7d_seconds:max, as the WorkshopSlowApprovals alert). Target: below 24 h.',
    unit: 's',
    w: 6,
    h: 6,
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:approval_time_avg_7d_seconds:max')],
    thresholds: below(TARGETS.approvalSeconds),
    noValue: 'no decisions',
  });
}

function approvalCount() {
  return statPanel({
    title: 'Decisions behind the average',
    description:
      'Approve and reject decisions in the last 7 days: the sample behind the average (workshop:approvals_7d:max).',
    unit: 'short',
    w: 6,
    h: 6,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:approvals_7d:max')],
  });
}

function rejectionReasons() {
  return apply(new bargauge.PanelBuilder(), {
    title: 'Rejection reasons (30 days)',
    description: `Rejections (workshop_rejected) in the last 30 days per metadata.reason (through the grafana_events view: first line, at most 200 characters, e-mail and IP addresses masked; "(no reason given)" without one), of the workshops in the selected regions and cities.`,
    unit: 'short',
    w: 12,
    h: 6,
    datasource: POSTGRES,
    timeFrom: '30d',
    targets: [
      sqlQuery(`
      SELECT coalesce(nullif(e.reason, ''), '(no reason given)') AS reason, count(*) AS rejections
      FROM grafana_events e
      LEFT JOIN workshops w ON w.workshop_id = e.workshop_id
      WHERE e.event_type = 'workshop_rejected' AND $__timeFilter(e.occurred_at) AND ${inSegmentSql('w')}
      GROUP BY 1
      ORDER BY 2 DESC, 1`),
    ],
  })
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .orientation(common.VizOrientation.Horizontal)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(true).calcs([]).fields('/^rejections$/'));
}

// ------------------------------------------------------------------------------------------------ invitations (7 days)

const eventCount = (type: string, as: string) => `
  SELECT count(*) AS "${as}"
  FROM workshop_events
  WHERE event_type = '${type}' AND $__timeFilter(occurred_at)`;

function invitesSent() {
  return statPanel({
    title: 'Invitations sent (7 days)',
    description: 'mechanic_invited events in the last 7 days.',
    unit: 'short',
    datasource: POSTGRES,
    timeFrom: '7d',
    targets: [sqlQuery(eventCount('mechanic_invited', 'sent'))],
  });
}

function invitesAccepted() {
  return statPanel({
    title: 'Invitations accepted (7 days)',
    description: 'mechanic_invite_accepted events in the last 7 days.',
    unit: 'short',
    datasource: POSTGRES,
    timeFrom: '7d',
    targets: [sqlQuery(eventCount('mechanic_invite_accepted', 'accepted'))],
  });
}

function invitesAcceptance() {
  return statPanel({
    title: 'Invite acceptance (7 days)',
    description: `Invitations accepted ÷ sent in the last 7 days (as invite_acceptance_rate in docs/kpis.md). Target above ${pct(TARGETS.inviteAcceptance)}%.`,
    unit: 'percent',
    decimals: 1,
    background: true,
    datasource: POSTGRES,
    timeFrom: '7d',
    thresholds: atLeast(pct(TARGETS.inviteAcceptance)),
    targets: [
      sqlQuery(`
      SELECT round(100.0 * count(*) FILTER (WHERE event_type = 'mechanic_invite_accepted')
                   / nullif(count(*) FILTER (WHERE event_type = 'mechanic_invited'), 0), 1) AS acceptance
      FROM workshop_events
      WHERE event_type IN ('mechanic_invited', 'mechanic_invite_accepted') AND $__timeFilter(occurred_at)`),
    ],
    noValue: 'no invitations',
  });
}

function invitesExpired() {
  return statPanel({
    title: 'Invitations expired (7 days)',
    description: 'mechanic_invite_expired events in the last 7 days (not accepted within INVITE_TTL_DAYS).',
    unit: 'short',
    datasource: POSTGRES,
    timeFrom: '7d',
    targets: [sqlQuery(eventCount('mechanic_invite_expired', 'expired'))],
    thresholds: steps([
      [null, 'green'],
      [1, 'orange'],
    ]),
  });
}

// ------------------------------------------------------------------------------------------------ email delivery

function emailsSent() {
  return statPanel({
    title: 'Emails sent (24 h)',
    description: 'email_*_sent events in the last 24 hours (workshop:emails_sent_24h:max).',
    unit: 'short',
    w: 4,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:emails_sent_24h:max')],
  });
}

function emailsFailed() {
  return statPanel({
    title: 'Emails failed (24 h)',
    description: 'email_*_failed events in the last 24 hours (workshop:emails_failed_24h:max).',
    unit: 'short',
    w: 4,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:emails_failed_24h:max')],
    thresholds: steps([
      [null, 'green'],
      [1, 'orange'],
    ]),
  });
}

function emailSuccessRate() {
  return statPanel({
    title: 'Email success rate (24 h)',
    description: `Sent ÷ attempted in the last 24 hours (workshop:email_success:ratio24h, as the email delivery alerts). Target above ${pct(TARGETS.emailDelivery)}%.`,
    unit: 'percentunit',
    decimals: 1,
    w: 4,
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:email_success:ratio24h')],
    thresholds: atLeast(TARGETS.emailDelivery),
    noValue: 'no emails',
  });
}

function emailFailuresLastHour() {
  return statPanel({
    title: 'Email failures (1 h)',
    description:
      'Failed emails stored in the last hour across replicas (workshop:email_failures:increase1h); WorkshopEmailSystemDown pages above 5.',
    unit: 'short',
    decimals: 0,
    w: 4,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:email_failures:increase1h')],
    thresholds: below(6, 1),
  });
}

function emailLastFailure() {
  return tablePanel({
    title: 'Last email failure',
    description:
      'The latest failed email in the dashboard range, with its error (first line, at most 200 characters, addresses masked).',
    unit: 'dateTimeFromNow',
    w: 8,
    h: 4,
    datasource: POSTGRES,
    targets: [
      sqlQuery(`
      SELECT occurred_at AS "when", replace(event_type, '_', ' ') AS email, error_summary AS error
      FROM grafana_events
      WHERE event_category = 'email' AND success = false AND $__timeFilter(occurred_at)
      ORDER BY occurred_at DESC
      LIMIT 1`),
    ],
  });
}

// ------------------------------------------------------------------------------------------------ active workshops

function activeMap() {
  return apply(new geomap.PanelBuilder(), {
    title: 'Active workshops',
    description:
      'Active workshops in the selected regions and cities, at the coordinates of their signup. Click a marker for its scorecard.',
    unit: 'short',
    w: 12,
    h: 10,
    datasource: POSTGRES,
    links: [scorecardLink()],
    targets: [
      sqlQuery(`
      SELECT workshop_id, name, city, region, lat, lon, capacity
      FROM workshops
      WHERE status = 'active' AND lat IS NOT NULL AND lon IS NOT NULL AND ${inSegmentSql()}
      ORDER BY name`),
    ],
  })
    .view(new geomap.MapViewConfigBuilder().id('coords').lat(44.2).lon(-79.6).zoom(6))
    .controls(new geomap.ControlsOptionsBuilder().showZoom(true).mouseWheelZoom(true))
    .basemap(new common.MapLayerOptionsBuilder().type('default').name('Basemap'))
    .layers([
      new common.MapLayerOptionsBuilder()
        .type('markers')
        .name('Workshops')
        .location(
          new common.FrameGeometrySourceBuilder()
            .mode(common.FrameGeometrySourceMode.Coords)
            .latitude('lat')
            .longitude('lon'),
        )
        .tooltip(true)
        .config({
          showLegend: false,
          style: {
            color: { fixed: 'green' },
            size: { fixed: 8 },
            symbol: { fixed: 'img/icons/marker/circle.svg', mode: 'fixed' },
            text: { field: 'name', mode: 'field' },
            textConfig: { fontSize: 10, offsetX: 0, offsetY: -14, textAlign: 'center', textBaseline: 'middle' },
          },
        }),
    ])
    .tooltip(new geomap.TooltipOptionsBuilder().mode(geomap.TooltipMode.Details));
}

function activeTotal() {
  return statPanel({
    title: 'Total active',
    description: 'Workshops active now: approved and not suspended (workshop:active_workshops:max).',
    unit: 'short',
    w: 4,
    h: 10,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:active_workshops:max')],
  });
}

function activeByCity() {
  return apply(new bargauge.PanelBuilder(), {
    title: 'Active workshops by region and city',
    description:
      'Active workshops per region and city (the plan\'s "GTA: 8 Ottawa: 2 …"), in the selected regions and cities.',
    unit: 'short',
    w: 8,
    h: 10,
    datasource: POSTGRES,
    targets: [
      sqlQuery(`
      SELECT coalesce(region, '${NONE}') || ' / ' || coalesce(city, '${NONE}') AS "region / city", count(*) AS workshops
      FROM workshops
      WHERE status = 'active' AND ${inSegmentSql()}
      GROUP BY 1
      ORDER BY 2 DESC, 1`),
    ],
  })
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .orientation(common.VizOrientation.Horizontal)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(true).calcs([]).fields('/^workshops$/'));
}

// ------------------------------------------------------------------------------------------------ workshop health

/** Per-workshop series of the selected regions and cities, labelled with the workshop's name and city. */
const named = (expr: string) => `${expr} * on (workshop_id) group_left (name, city) ${SEGMENT_NAMES}`;

function healthScores() {
  return apply(new bargauge.PanelBuilder(), {
    title: 'Health score by workshop',
    description: `Health score of each active workshop in the selected regions and cities (workshop_id:health_score:max; docs/health-score.md): healthy from ${HEALTHY_FROM}, at risk from ${AT_RISK_FROM}. Click a bar for the scorecard.`,
    unit: 'none',
    w: 12,
    h: 9,
    min: 0,
    max: 100,
    datasource: PROMETHEUS,
    links: [scorecardLink('${__field.labels.workshop_id}')],
    targets: [promQuery(`sort(${named('workshop_id:health_score:max')})`, { legend: '{{name}}' })],
    thresholds: steps([
      [null, 'red'],
      [AT_RISK_FROM, 'orange'],
      [HEALTHY_FROM, 'green'],
    ]),
  })
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .orientation(common.VizOrientation.Horizontal)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']));
}

function dashboardInactivity() {
  return apply(new bargauge.PanelBuilder(), {
    title: 'Time since last dashboard access',
    description: `Per active workshop in the selected regions and cities, since its last dashboard access (or its approval) (workshop_id:dashboard_inactivity:seconds). WorkshopChurnRisk fires after ${THRESHOLDS.inactiveDays} days.`,
    unit: 's',
    w: 12,
    h: 9,
    datasource: PROMETHEUS,
    links: [scorecardLink('${__field.labels.workshop_id}')],
    targets: [promQuery(`sort_desc(${named('workshop_id:dashboard_inactivity:seconds')})`, { legend: '{{name}}' })],
    thresholds: below(THRESHOLDS.inactiveDays * 86400, 3 * 86400),
  })
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .orientation(common.VizOrientation.Horizontal)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']));
}

// ------------------------------------------------------------------------------------------------ open alerts

function openAlerts() {
  return tablePanel({
    title: 'Open alerts',
    description:
      'Alerts firing now, as Alertmanager reported them (workshop_alerts, status firing), most severe first; without the always-firing heartbeat WorkshopAnalyticsWatchdog. Alerts of a workshop follow the region and city selection; alerts of no known workshop are always shown. Click a row with a workshop for its scorecard.',
    unit: 'none',
    w: 24,
    h: 8,
    datasource: POSTGRES,
    links: [scorecardLink()],
    targets: [
      sqlQuery(`
      SELECT a.starts_at AS since, a.severity, a.alert_type AS alert, a.title, w.name AS workshop, a.acknowledged, a.workshop_id
      FROM workshop_alerts a
      LEFT JOIN workshops w ON w.workshop_id = a.workshop_id
      WHERE a.status = 'firing' AND a.alert_type <> 'WorkshopAnalyticsWatchdog'
        AND (w.workshop_id IS NULL OR (${inSegmentSql('w')}))
      ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.starts_at DESC
      LIMIT 200`),
    ],
  }).overrideByName('since', unitOverride('dateTimeFromNow'));
}

// ------------------------------------------------------------------------------------------------ KPI trends

const dailyKpi = (columns: string) => `
  SELECT window_start AS time, ${columns}
  FROM workshop_metrics
  WHERE metric_type = 'daily' AND $__timeFilter(window_start)
  ORDER BY 1`;

function trendConversion() {
  return timeseriesPanel({
    title: 'Signup conversion per day',
    description: `signup_conversion_rate of the daily KPI rows (workshop_metrics). Target above ${pct(TARGETS.signupConversion)}%.`,
    unit: 'percent',
    w: 8,
    datasource: POSTGRES,
    thresholdLine: true,
    thresholds: atLeast(pct(TARGETS.signupConversion)),
    targets: [sqlSeries(dailyKpi('signup_conversion_rate AS "signup conversion"'))],
  });
}

function trendAcceptance() {
  return timeseriesPanel({
    title: 'Invite acceptance per day',
    description: `invite_acceptance_rate of the daily KPI rows. Target above ${pct(TARGETS.inviteAcceptance)}%.`,
    unit: 'percent',
    w: 8,
    datasource: POSTGRES,
    thresholdLine: true,
    thresholds: atLeast(pct(TARGETS.inviteAcceptance)),
    targets: [sqlSeries(dailyKpi('invite_acceptance_rate AS "invite acceptance"'))],
  });
}

function trendEmail() {
  return timeseriesPanel({
    title: 'Email success per day',
    description: `email_success_rate of the daily KPI rows. Target above ${pct(TARGETS.emailDelivery)}%.`,
    unit: 'percent',
    w: 8,
    datasource: POSTGRES,
    thresholdLine: true,
    thresholds: atLeast(pct(TARGETS.emailDelivery)),
    targets: [sqlSeries(dailyKpi('email_success_rate AS "email success"'))],
  });
}

function trendApprovalTime() {
  return timeseriesPanel({
    title: 'Approval time per day',
    description:
      'Average and median hours from signup to decision, per day of decision (daily KPI rows). Target below 24 h.',
    unit: 'h',
    w: 8,
    datasource: POSTGRES,
    thresholdLine: true,
    thresholds: below(TARGETS.approvalSeconds / 3600),
    targets: [sqlSeries(dailyKpi('avg_approval_time_hours AS "average", median_approval_time_hours AS "median"'))],
  });
}

function trendVolumes() {
  return timeseriesPanel({
    title: 'Signups, approvals and sessions per day',
    description: 'Counts of the daily KPI rows.',
    unit: 'short',
    w: 8,
    datasource: POSTGRES,
    targets: [
      sqlSeries(
        dailyKpi(
          'signups_started AS "signups started", signups_completed AS "signups completed", applications_approved AS "approved", sessions_completed AS "sessions"',
        ),
      ),
    ],
  });
}

function trendStates() {
  return timeseriesPanel({
    title: 'Workshops and mechanics at day end',
    description: 'States at the end of each day (daily KPI rows).',
    unit: 'short',
    w: 8,
    datasource: POSTGRES,
    targets: [
      sqlSeries(
        dailyKpi(
          'active_workshops AS "active", pending_workshops AS "pending", suspended_workshops AS "suspended", total_mechanics_active AS "active mechanics"',
        ),
      ),
    ],
  });
}

function eventsPerDay() {
  return timeseriesPanel({
    title: 'Events per day by category',
    description: 'Stored events per day and category (workshop_events).',
    unit: 'short',
    w: 24,
    datasource: POSTGRES,
    targets: [
      sqlSeries(`
      SELECT $__timeGroupAlias(occurred_at, 1d), event_category AS metric, count(*) AS events
      FROM workshop_events
      WHERE $__timeFilter(occurred_at)
      GROUP BY 1, 2
      ORDER BY 1, 2`),
    ],
  });
}

// ------------------------------------------------------------------------------------------------ dashboard

export function overviewDashboard() {
  return baseDashboard(
    UIDS.overview,
    'Workshop Overview',
    'Admin overview of the workshop programme: notifications, funnel, approvals, invitations, email delivery, active workshops and alerts.',
    'now-30d',
  )
    .withVariable(segmentVariables()[0]!)
    .withVariable(segmentVariables()[1]!)
    .annotation(approvalsAnnotation())
    .annotation(suspensionsAnnotation())
    .withRow(row('Dashboard notifications'))
    .withPanel(notificationsPanel())
    .withRow(row('Funnel'))
    .withPanel(funnelBars())
    .withPanel(funnelTable())
    .withPanel(signupConversion24h())
    .withRow(row('Pending applications'))
    .withPanel(pendingTotal())
    .withPanel(pendingOldest())
    .withPanel(pendingAverageWait())
    .withPanel(pendingOver24h())
    .withPanel(pendingList())
    .withRow(row('Approvals (7 days)'))
    .withPanel(approvalDecisions())
    .withPanel(approvalAverageTime())
    .withPanel(approvalCount())
    .withPanel(rejectionReasons())
    .withRow(row('Mechanic invitations (7 days)'))
    .withPanel(invitesSent())
    .withPanel(invitesAccepted())
    .withPanel(invitesAcceptance())
    .withPanel(invitesExpired())
    .withRow(row('Email delivery'))
    .withPanel(emailsSent())
    .withPanel(emailsFailed())
    .withPanel(emailSuccessRate())
    .withPanel(emailFailuresLastHour())
    .withPanel(emailLastFailure())
    .withRow(row('Active workshops'))
    .withPanel(activeMap())
    .withPanel(activeByCity())
    .withPanel(activeTotal())
    .withRow(row('Workshop health'))
    .withPanel(healthScores())
    .withPanel(dashboardInactivity())
    .withRow(row('Open alerts'))
    .withPanel(openAlerts())
    .withRow(row('Service and alerting health'))
    .withPanel(apiErrorRate())
    .withPanel(ruleEvaluationFailures())
    .withRow(row('KPI trends'))
    .withPanel(trendConversion())
    .withPanel(trendAcceptance())
    .withPanel(trendEmail())
    .withPanel(trendApprovalTime())
    .withPanel(trendVolumes())
    .withPanel(trendStates())
    .withPanel(eventsPerDay());
}
