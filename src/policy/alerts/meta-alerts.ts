/**
 * Meta-monitoring: alerts about the monitoring itself (issue 11, "Alerts you can trust") and the service's API error
 * rate (prometheus/alerts/workshop-analytics-meta.alerts.yml).
 */
import type { AlertFilePolicy, AlertPolicy } from '../policy-types.js';
import { count, humanValue, percent, req } from '../policy-values.js';
import { RECEIVERS as R } from '../receivers.js';
import { OVERVIEW } from './alert-text.js';
import { minutes } from './service-alerts.js';
import { thresholdExpr } from './threshold-expr.js';

const FILE = 'workshop-analytics-meta.alerts.yml';
const H = R.history;

export const META_ALERTS_FILE: AlertFilePolicy = {
  file: FILE,
  group: 'workshop-analytics.meta-alerts',
  header: [
    'Meta-monitoring: alerts about the monitoring itself (issue 11, "Alerts you can trust") and the service\'s API' +
      ' error',
    'rate. If the alerting pipeline breaks, the business alerts in the other files fail silently; these make it loud.',
    "  - WorkshopAnalyticsWatchdog: always firing, a dead man's switch. Alertmanager routes it (audience heartbeat)" +
      ' to a',
    '    heartbeat receiver; when its notifications stop, Prometheus, the rules or Alertmanager are broken.',
    '  - WorkshopAlertNotificationsFailing: an Alertmanager integration (email, slack, webhook) keeps failing.',
    '  - WorkshopAnalyticsRuleEvaluationFailing: Prometheus cannot evaluate a rule group (its alerts cannot fire).',
    '  - WorkshopApiErrorRateHigh: the plan\'s "API error rate < 1%", from the recording rules shared with the' +
      ' dashboard.',
    "Links: dashboard_path is relative to Grafana; Alertmanager's templates prefix GRAFANA_URL (see docs/runbooks.md).",
  ],
};

export const META_ALERTS: readonly AlertPolicy[] = [
  {
    name: 'WorkshopAnalyticsWatchdog',
    file: FILE,
    description: "Always firing: the dead man's switch of the alerting pipeline.",
    for: '0s',
    severity: 'info',
    audience: 'heartbeat',
    receivers: [R.heartbeat],
    scope: 'process',
    comment: ['Always true, never resolves: its absence at the heartbeat receiver is the alert.'],
    expr: () => 'vector(1)',
    annotations: () => ({
      summary: 'Workshop analytics alerting pipeline heartbeat (always firing)',
      description: [
        'This alert always fires, so that the whole path Prometheus -> rule evaluation -> Alertmanager ->',
        'notification is exercised continuously. It is routed to a heartbeat receiver; if that receiver stops',
        'hearing from it, the alerting pipeline is broken and no other workshop alert can reach anyone.',
        'Never silence it.',
      ],
    }),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-analytics-watchdog.md',
  },
  {
    name: 'WorkshopAlertNotificationsFailing',
    file: FILE,
    description: 'An Alertmanager integration (email, Slack, webhook) keeps failing to deliver notifications.',
    for: '15m',
    severity: 'critical',
    audience: 'tech_team',
    receivers: [H, R.techCritical],
    scope: 'process',
    comment: [
      "Alertmanager counts a notification as failed once its retries give up (at the latest after the group's",
      'group_interval, 5m) and tries again at the next flush: a broken integration fails about every 5 minutes.',
      'The 10m window (two flushes) keeps the expression true between failures, so `for: 15m` means failures',
      'went on for 15 minutes; one or two failed flushes do not page. Summed by integration so that the `reason`',
      'label (Alertmanager 0.26+), or any label a newer version adds, does not split the alert.',
    ],
    expr: () =>
      'sum by (instance, job, integration) (\n' +
      '  increase(alertmanager_notifications_failed_total{job="alertmanager"}[10m])\n' +
      ') > 0',
    annotations: (a) => ({
      summary:
        'Alertmanager cannot deliver {{ $labels.integration }} notifications{{ with $labels.instance }} ({{ . }})' +
        '{{ end }}',
      description: [
        'Notifications through the {{ $labels.integration }} integration of Alertmanager {{ $labels.instance }}',
        `(job {{ $labels.job }}) have kept failing for ${minutes(a.for)}: alerts routed to it are not reaching anyone.`,
        'Critical, so that this alert also goes out through the channels that still work.',
      ],
    }),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-alert-notifications-failing.md',
  },
  {
    name: 'WorkshopAnalyticsRuleEvaluationFailing',
    file: FILE,
    description: 'Prometheus cannot evaluate a rule group, so its recording rules and alerts are missing.',
    for: '10m',
    severity: 'critical',
    audience: 'tech_team',
    receivers: [H, R.techCritical],
    scope: 'process',
    comment: [
      'Per Prometheus and rule group: a group whose evaluation fails cannot record its series or fire its alerts.',
      'Groups are evaluated every 15 s, so a broken rule fails continuously; 10 minutes rules out a blip (a query',
      'timeout under load).',
    ],
    expr: () => 'increase(prometheus_rule_evaluation_failures_total{job="prometheus"}[5m]) > 0',
    annotations: (a) => ({
      summary: 'Prometheus rule group {{ $labels.rule_group }} is failing to evaluate',
      description: [
        'Evaluations of rule group {{ $labels.rule_group }} on {{ $labels.instance }} (job {{ $labels.job }}) have',
        `kept failing for ${minutes(a.for)}. Its recording rules are not written and its alerts cannot fire: workshop`,
        'alerts may be silently missing.',
      ],
    }),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-analytics-rule-evaluation-failing.md',
  },
  {
    name: 'WorkshopApiErrorRateHigh',
    file: FILE,
    description: "The share of the service's HTTP requests answered with a 5xx over the last hour is too high.",
    target: 'API error rate < 1%',
    threshold: percent(1),
    minSample: count(100),
    for: '5m',
    keepFiringFor: '10m',
    severity: 'warning',
    audience: 'tech_team',
    receivers: [H, R.techEmail],
    scope: 'programme',
    kpi: 'api_error_rate',
    input: { series: 'workshop:http_requests_5xx:ratio1h', op: '>' },
    sampleSeries: 'workshop:http_requests:increase1h',
    comment: [
      'The plan\'s target "API error rate < 1%": 5xx answers over the last hour across replicas, from 100 requests',
      "(Prometheus' own scrapes and the health probes are not API requests; see the recording rules).",
    ],
    expr: thresholdExpr,
    annotations: (a) => ({
      summary: `API error rate over 1 h is {{ $value | humanizePercentage }} (above ${t(a)})`,
      description: [
        "{{ $value | humanizePercentage }} of the service's HTTP requests in the last hour were answered with a",
        '5xx status',
        '({{ with query "workshop:http_requests:increase1h" }}{{ . | first | value | printf "%.0f" }}{{ end }}' +
          ' requests;',
        `target below ${t(a)}, evaluated from ${humanValue(req(a.minSample, 'min_sample'))} requests).`,
      ],
    }),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-api-error-rate-high.md',
  },
];

function t(a: AlertPolicy): string {
  return humanValue(req(a.threshold, `${a.name}.threshold`));
}
