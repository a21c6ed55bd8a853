/**
 * Business alerts of the workshop programme (plan: "Automated Alerts"; prometheus/alerts/workshop-kpis.alerts.yml).
 * Thresholds, minimum samples, `for` and `keep_firing_for` are the policy; the expressions read the hand-written
 * recording rules of prometheus/rules/ by name.
 */
import type { AlertFilePolicy, AlertPolicy } from '../policy-types.js';
import { count, days, hours, humanValue, percent, req } from '../policy-values.js';
import { RECEIVERS as R } from '../receivers.js';
import {
  OVERVIEW,
  programmeValue,
  SCORECARD,
  WORKSHOP_NAME,
  WORKSHOP_NAME_CITY,
  withWorkshop,
  workshopValue,
} from './alert-text.js';
import { condition, thresholdExpr } from './threshold-expr.js';

const FILE = 'workshop-kpis.alerts.yml';
const H = R.history;
const t = (a: AlertPolicy) => humanValue(req(a.threshold, `${a.name}.threshold`));
const min = (a: AlertPolicy) => humanValue(req(a.minSample, `${a.name}.min_sample`));
const hoursOf = (a: AlertPolicy) => req(a.threshold, `${a.name}.threshold`).value / 3600;
const daysOf = (a: AlertPolicy) => req(a.threshold, `${a.name}.threshold`).value / 86400;

export const KPI_ALERTS_FILE: AlertFilePolicy = {
  file: FILE,
  group: 'workshop-analytics.kpi-alerts',
  severitySections: true,
  header: [
    'Business alerts of the workshop programme (plan: "Automated Alerts"; thresholds: src/policy/ and the phase-2',
    'report). Alert names are a public contract. They read the recording rules in prometheus/rules/.',
    'Labels (the alert\'s identity, stable while it fires): severity, audience (who acts: the plan\'s "Action") and',
    "workshop_id (per-workshop alerts) or kpi (programme-wide KPI alerts). The workshop's name and city are",
    'annotations (looked up in workshop_id:workshop_info:names), never labels: a rename must not start a new alert.',
    'keep_firing_for 10m: a gap in the series (a restart, a failed scrape) does not resolve an alert.',
    "Links: dashboard_path is relative (/d/<uid>); Alertmanager's templates prefix GRAFANA_URL" +
      ' (docs/runbooks.md "URLs").',
  ],
};

const emailDelivery = (a: AlertPolicy, lead: string, level: string) => ({
  summary: `Email success rate over 24 h is {{ $value | humanizePercentage }} (below ${t(a)})`,
  description: [
    `${lead}{{ $value | humanizePercentage }} of emails sent in the last 24 hours succeeded`,
    `(${programmeValue('workshop:emails_failed_24h:max')} failed of`,
    `${programmeValue('workshop:emails_attempted_24h:sum')} attempted;`,
    `${level} ${t(a)}, evaluated from ${min(a)} emails).`,
  ],
});

export const KPI_ALERTS: readonly AlertPolicy[] = [
  {
    name: 'WorkshopApplicationStuck',
    file: FILE,
    description: 'A workshop application has been pending (neither approved nor rejected) for too long.',
    target: 'applications decided within 24 h',
    threshold: hours(48),
    for: '5m',
    keepFiringFor: '10m',
    severity: 'critical',
    audience: 'admin_team',
    receivers: [H, R.adminEmail],
    scope: 'workshop',
    input: { series: 'workshop_id:application_pending_age:seconds', op: '>' },
    expr: thresholdExpr,
    annotations: (a) =>
      withWorkshop(`Workshop application {{ $labels.workshop_id }} has been pending for ${hoursOf(a)}+ hours`, [
        `The application of ${WORKSHOP_NAME_CITY} (workshop {{ $labels.workshop_id }})`,
        `has been waiting for approval for {{ $value | humanizeDuration }} (threshold ${t(a)}). Approve or reject it.`,
      ]),
    dashboardPath: SCORECARD,
    runbook: 'workshop-application-stuck.md',
  },
  {
    name: 'WorkshopEmailSystemDown',
    file: FILE,
    description: 'Many email_*_failed events occurred in the last hour.',
    threshold: count(5),
    for: '5m',
    keepFiringFor: '10m',
    severity: 'critical',
    audience: 'tech_team',
    receivers: [H, R.techCritical],
    scope: 'programme',
    kpi: 'email_failures',
    input: { series: 'workshop:email_failures_1h:max', op: '>' },
    comment: [
      'Failures that OCCURRED in the last hour (occurred_at, from PostgreSQL): late or retried events of earlier',
      'hours do not page. The ingestion rate workshop:email_failures:increase1h is a dashboard panel only.',
    ],
    expr: thresholdExpr,
    annotations: (a) => ({
      summary: 'Email system experiencing high failure rate',
      description: [
        `{{ $value | humanize }} email_*_failed events occurred in the last hour (threshold: more than ${t(a)}).`,
        'Approval, rejection and invite emails are not reaching workshops.',
      ],
    }),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-email-system-down.md',
  },
  {
    name: 'WorkshopChurnRisk',
    file: FILE,
    description: 'An active workshop had no dashboard access and sent no mechanic invitation for too long.',
    threshold: days(14),
    for: '15m',
    keepFiringFor: '10m',
    severity: 'critical',
    audience: 'account_manager',
    receivers: [H, R.accountManager],
    scope: 'workshop',
    input: { series: 'workshop_id:dashboard_inactivity:seconds', op: '>' },
    comment: [
      'The plan\'s "no logins, no invites": no dashboard access for 14 days (counted from approval if it never',
      'logged in, so approved at least 14 days ago) and no mechanic_invited in the last 14 days.',
    ],
    expr: (a) => {
      const inactive = condition({ ...a, input: { series: 'workshop_id:invite_inactivity:seconds', op: '<=' } });
      return `(${condition(a)})\nunless on (workshop_id) (${inactive})`;
    },
    annotations: (a) =>
      withWorkshop(
        [`Workshop ${WORKSHOP_NAME} showing signs of churn`],
        [
          `Active workshop ${WORKSHOP_NAME_CITY} (workshop {{ $labels.workshop_id }})`,
          'has had no dashboard access for {{ $value | humanizeDuration }} and sent no mechanic invitation in the',
          `last ${daysOf(a)} days (threshold ${daysOf(a)} days; counted from its approval if it never logged in).` +
            ' Contact the workshop owner.',
        ],
      ),
    dashboardPath: SCORECARD,
    runbook: 'workshop-churn-risk.md',
  },
  {
    name: 'WorkshopEmailDeliveryCritical',
    file: FILE,
    description: 'The share of emails delivered over 24 hours is far below the target.',
    target: 'email success > 98%',
    threshold: percent(80),
    minSample: count(20),
    for: '15m',
    keepFiringFor: '10m',
    severity: 'critical',
    audience: 'tech_team',
    receivers: [H, R.techCritical],
    scope: 'programme',
    kpi: 'email_delivery',
    input: { series: 'workshop:email_success:ratio24h', op: '<' },
    sampleSeries: 'workshop:emails_attempted_24h:sum',
    expr: thresholdExpr,
    annotations: (a) => emailDelivery(a, 'Only ', 'critical below'),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-email-delivery-critical.md',
  },
  {
    name: 'WorkshopEmailDeliveryDegraded',
    file: FILE,
    description: 'The share of emails delivered over 24 hours is below the target.',
    target: 'email success > 98%',
    threshold: percent(95),
    minSample: count(20),
    for: '30m',
    keepFiringFor: '10m',
    severity: 'warning',
    audience: 'tech_team',
    receivers: [H, R.techEmail],
    scope: 'programme',
    kpi: 'email_delivery',
    input: { series: 'workshop:email_success:ratio24h', op: '<' },
    sampleSeries: 'workshop:emails_attempted_24h:sum',
    comment: ['Also true below 80%: Alertmanager inhibits it while WorkshopEmailDeliveryCritical fires (equal: kpi).'],
    expr: thresholdExpr,
    annotations: (a) => emailDelivery(a, '', 'target'),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-email-delivery-degraded.md',
  },
  {
    name: 'WorkshopLowInviteAcceptance',
    file: FILE,
    description: "A workshop's mechanics accept few of its resolved invitations over 30 days.",
    target: 'invite acceptance > 70%',
    threshold: percent(50),
    minSample: count(5),
    for: '1h',
    keepFiringFor: '10m',
    severity: 'warning',
    audience: 'dashboard',
    receivers: [H, R.none],
    scope: 'workshop',
    input: { series: 'workshop_id:invite_acceptance:ratio30d', op: '<' },
    sampleSeries: 'workshop_id:invites_resolved_30d:max',
    comment: [
      'Acceptance over RESOLVED invitations (accepted, expired, or older than INVITE_TTL_DAYS), from 5 of them:',
      'invitations still open are not counted as refused.',
    ],
    expr: thresholdExpr,
    annotations: (a) =>
      withWorkshop(
        [`Workshop ${WORKSHOP_NAME} has low invite acceptance (need support?)`],
        [
          `${WORKSHOP_NAME_CITY} (workshop {{ $labels.workshop_id }}):`,
          'only {{ $value | humanizePercentage }} of the',
          workshopValue('workshop_id:invites_resolved_30d:max'),
          'resolved mechanic invitations (accepted, expired or past their TTL) sent in the last 30 days were accepted',
          `(threshold ${t(a)}, from ${min(a)} resolved invitations). The workshop may need support.`,
        ],
      ),
    dashboardPath: SCORECARD,
    runbook: 'workshop-low-invite-acceptance.md',
  },
  {
    name: 'WorkshopApprovalBacklog',
    file: FILE,
    description: 'Many workshop applications are waiting for an approve/reject decision.',
    threshold: count(5),
    for: '30m',
    keepFiringFor: '10m',
    severity: 'warning',
    audience: 'admin_team',
    receivers: [H, R.adminEmail],
    scope: 'programme',
    kpi: 'approval_backlog',
    input: { series: 'workshop:applications_pending:max', op: '>' },
    expr: thresholdExpr,
    annotations: (a) => ({
      summary: 'Workshop approval backlog building up',
      description: [
        '{{ $value | humanize }} workshop applications are waiting for an approve/reject decision (threshold: more',
        `than ${t(a)}). The approval backlog is building up.`,
      ],
    }),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-approval-backlog.md',
  },
  {
    name: 'WorkshopSlowApprovals',
    file: FILE,
    description: 'Applications decided in the last 7 days waited too long on average.',
    target: 'approval time < 24 h',
    threshold: hours(36),
    minSample: count(3),
    for: '1h',
    keepFiringFor: '10m',
    severity: 'warning',
    audience: 'dashboard',
    receivers: [H, R.none],
    scope: 'programme',
    kpi: 'approval_time',
    input: { series: 'workshop:approval_time_avg_7d_seconds:max', op: '>' },
    sampleSeries: 'workshop:approvals_7d:max',
    expr: thresholdExpr,
    annotations: (a) => ({
      summary: 'Average approval time exceeding target',
      description: [
        'Workshop applications decided in the last 7 days waited {{ $value | humanizeDuration }} on average',
        'from signup to decision',
        `(${programmeValue('workshop:approvals_7d:max')} decisions;`,
        `target at most ${t(a)}, evaluated from ${min(a)} decisions).`,
      ],
    }),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-slow-approvals.md',
  },
  {
    name: 'WorkshopLowSignupConversion',
    file: FILE,
    description: 'Few workshop signups started in the last 24 hours were completed.',
    target: 'signup conversion > 60%',
    threshold: percent(30),
    minSample: count(10),
    for: '1h',
    keepFiringFor: '10m',
    severity: 'warning',
    audience: 'admin_team',
    receivers: [H, R.adminSlack],
    scope: 'programme',
    kpi: 'signup_conversion',
    input: { series: 'workshop:signup_conversion:ratio24h', op: '<' },
    sampleSeries: 'workshop:signups_started_24h:max',
    expr: thresholdExpr,
    annotations: (a) => ({
      summary: `Signup conversion over 24 h is {{ $value | humanizePercentage }} (below ${t(a)})`,
      description: [
        'Only {{ $value | humanizePercentage }} of workshop signups started in the last 24 hours were completed',
        `(${programmeValue('workshop:signups_completed_24h:max')} completed,`,
        `${programmeValue('workshop:signups_started_24h:max')} started;`,
        `threshold ${t(a)}, evaluated from ${min(a)} starts).`,
      ],
    }),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-low-signup-conversion.md',
  },
  {
    name: 'WorkshopBetaMilestoneReached',
    file: FILE,
    description: 'The beta programme reached the bottom or top of its target range of workshops.',
    target: '3-5 beta workshops',
    threshold: hours(12),
    for: '10m',
    keepFiringFor: '10m',
    severity: 'info',
    audience: 'dashboard',
    receivers: [H, R.wins],
    scope: 'programme',
    kpi: 'beta_milestone',
    input: { series: 'milestone:beta_milestone_age:seconds', op: '<', labels: { milestone: 'target_min' } },
    comment: [
      'Once per milestone. Beta workshops: first workshop_approved OCCURRED (occurred_at) in [BETA_START, BETA_END)',
      "— the definition of the Beta Program Tracker's table and annotation (src/aggregate/beta-programme.ts).",
      'milestone="target_min" / "target_max": the approval that made the BETA_TARGET_MIN-th / BETA_TARGET_MAX-th.',
      'Fires while that approval occurred less than 12 h ago, then resolves by itself: firing at most 12 h 10 m,',
      "under the info route's 24 h repeat_interval, it is notified once (never daily); a backfill of old approvals",
      '(occurred long ago) never fires. An approval up to 5 minutes in the future (allowed skew) waits for its time.',
    ],
    expr: (a) => `(${a.input!.series} >= 0) ${condition(a).slice(a.input!.series.length + 1)}`,
    annotations: (a) => ({
      summary: `Beta target achieved! ${programmeValue('workshop:beta_workshops:max')} workshops onboarded`,
      description: [
        'The beta programme reached the {{ if eq $labels.milestone "target_max" }}top{{ else }}bottom{{ end }} of its',
        'target range ({{ $labels.milestone }}:',
        '{{ with printf "workshop:beta_%s:max" $labels.milestone | query }}{{ . | first | value | humanize }}{{ end }}',
        'beta workshops) with an approval at',
        '{{ with printf "milestone:beta_milestone_timestamp_seconds:max{milestone=\'%s\'}"' +
          ' $labels.milestone | query }}' +
          '{{ . | first | value | humanizeTimestamp }}{{ end }};',
        `${programmeValue('workshop:beta_workshops:max')} beta workshops`,
        `(first approved within the beta window) are onboarded now. Resolves by itself ${hoursOf(a)} h after that` +
          ' approval.',
      ],
    }),
    dashboardPath: '/d/workshop-beta-tracker',
    runbook: 'workshop-beta-milestone-reached.md',
  },
  {
    name: 'WorkshopThriving',
    file: FILE,
    description: 'A workshop uses most of its mechanic capacity with many completed sessions.',
    threshold: percent(80),
    minSample: count(20),
    for: '1h',
    keepFiringFor: '10m',
    severity: 'info',
    audience: 'workshop_owner',
    receivers: [H, R.none],
    scope: 'workshop',
    input: { series: 'workshop_id:mechanic_utilisation:ratio', op: '>=' },
    sampleSeries: 'workshop_id:sessions_completed_30d:max',
    expr: thresholdExpr,
    annotations: () =>
      withWorkshop(
        [`Workshop ${WORKSHOP_NAME} is thriving. Consider increasing mechanic capacity?`],
        [
          `${WORKSHOP_NAME_CITY} (workshop {{ $labels.workshop_id }}) uses`,
          '{{ $value | humanizePercentage }} of its mechanic capacity',
          `(${workshopValue('workshop_id:mechanics_active:max')}`,
          `of ${workshopValue('workshop_id:mechanic_capacity:max')}`,
          'mechanics) with',
          workshopValue('workshop_id:sessions_completed_30d:max'),
          'sessions completed in 30 days. Consider suggesting more mechanic capacity.',
        ],
      ),
    dashboardPath: SCORECARD,
    runbook: 'workshop-thriving.md',
  },
];
