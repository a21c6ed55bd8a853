/**
 * Health of the workshop analytics service itself: scrape target, database probe and the scheduled KPI jobs
 * (prometheus/alerts/workshop-analytics-service.alerts.yml).
 */
import type { AlertFilePolicy, AlertPolicy } from '../policy-types.js';
import { count, humanValue, req } from '../policy-values.js';
import { RECEIVERS as R } from '../receivers.js';
import { OVERVIEW } from './alert-text.js';

const FILE = 'workshop-analytics-service.alerts.yml';
const H = R.history;

export const SERVICE_ALERTS_FILE: AlertFilePolicy = {
  file: FILE,
  group: 'workshop-analytics.service-alerts',
  header: ['Health of the workshop analytics service itself: scrape target and scheduled KPI jobs.'],
};

/** Cycle of each aggregator job (seconds) and the recording rule of its staleness (per replica or shared). */
const JOBS: ReadonlyArray<readonly [job: string, cycle: string, series: string]> = [
  ['hourly_checks', '3600', 'aggregator_job:aggregator_job_staleness:seconds'],
  ['daily_metrics', '86400', 'aggregator_job:aggregator_job_staleness:seconds'],
  ['weekly_metrics', '7 * 86400', 'aggregator_job:aggregator_job_staleness:seconds'],
  ['monthly_metrics', '31 * 86400', 'aggregator_job:aggregator_job_staleness:seconds'],
  ['gauge_refresh', '60', 'instance_aggregator_job:aggregator_job_staleness:seconds'],
];

/** The service's scrape jobs: the ingest replicas and the aggregator (docker-compose.yml, prometheus.yml). */
const SERVICE_JOBS = 'workshop-analytics|workshop-analytics-aggregator';
const cycles = (a: AlertPolicy) => humanValue(req(a.threshold, `${a.name}.threshold`));

export const SERVICE_ALERTS: readonly AlertPolicy[] = [
  {
    name: 'WorkshopAnalyticsDown',
    file: FILE,
    description: 'Prometheus cannot scrape a replica of the service, or the job has no target at all.',
    for: '2m',
    severity: 'critical',
    audience: 'tech_team',
    receivers: [H, R.techCritical],
    scope: 'process',
    comment: [
      'Per replica when a target fails its scrape (ingest replicas: job workshop-analytics; the aggregator: job',
      'workshop-analytics-aggregator); absent() covers the ingest job vanishing from service discovery (or a',
      'Prometheus configured without it), where up would simply not exist. A single-process deployment (inline)',
      "has the workshop-analytics job only, so the aggregator job's absence alone is not an alert.",
    ],
    expr: () => `up{job=~"${SERVICE_JOBS}"} == 0\nor absent(up{job="workshop-analytics"})`,
    annotations: () => ({
      summary: 'Workshop analytics service is down{{ with $labels.instance }} ({{ . }}){{ end }}',
      description: [
        '{{ with $labels.instance }}Prometheus cannot scrape {{ . }} (job {{ $labels.job }}).{{ else }}No scrape',
        'target of job workshop-analytics exists.{{ end }} Events are not being ingested or exported, KPI gauges',
        'are missing and the workshop alerts cannot fire.',
      ],
    }),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-analytics-down.md',
  },
  {
    name: 'WorkshopAnalyticsAggregatorStale',
    file: FILE,
    description: 'A scheduled KPI job has not succeeded for more than the allowed number of its cycles.',
    threshold: count(2),
    for: '5m',
    severity: 'warning',
    audience: 'tech_team',
    receivers: [H, R.techEmail],
    scope: 'process',
    input: {
      series: 'aggregator_job:aggregator_job_staleness:seconds',
      op: '>',
      labels: { aggregator_job: 'hourly_checks' },
      scale: 3600,
    },
    comment: [
      'Two missed cycles per job (monthly_metrics: two of the longest months). gauge_refresh is per aggregator' +
        ' process (instance label); the others are shared. A job',
      'that never succeeded exports 0 (gauge_refresh: no refresh in which every source succeeded), so it fires.',
    ],
    expr: (a) =>
      JOBS.map(([job, cycle, series]) => `(${series}{aggregator_job="${job}"} > ${cycles(a)} * ${cycle})`).join(
        '\nor ',
      ),
    annotations: (a) => ({
      summary: 'KPI job {{ $labels.aggregator_job }} has not succeeded for {{ $value | humanizeDuration }}',
      description: [
        'The aggregator job {{ $labels.aggregator_job }}{{ with $labels.instance }} on {{ . }}{{ end }} last succeeded',
        `{{ $value | humanizeDuration }} ago, more than ${a.threshold?.value === 2 ? 'two' : cycles(a)} of its` +
          ' cycles (daily_metrics 24h, weekly_metrics 7d,',
        'monthly_metrics 31d, hourly_checks 1h, gauge_refresh 1m). KPI rows, hourly checks or live gauges are out of' +
          ' date.',
      ],
    }),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-analytics-aggregator-stale.md',
  },
  {
    name: 'WorkshopAnalyticsDatabaseDown',
    file: FILE,
    description: "A replica's database probe (SELECT 1 every 15 s) fails.",
    for: '2m',
    severity: 'critical',
    audience: 'tech_team',
    receivers: [H, R.techCritical],
    scope: 'process',
    comment: [
      'Per replica, from its own probe (SELECT 1 every 15 s, timeout 5 s; src/aggregate/database-probe.ts), so it',
      'pages without traffic. A replica that is down itself is WorkshopAnalyticsDown.',
    ],
    expr: () => `workshop_database_up{job=~"${SERVICE_JOBS}"} == 0`,
    annotations: (a) => ({
      summary: 'Workshop analytics cannot reach PostgreSQL{{ with $labels.instance }} ({{ . }}){{ end }}',
      description: [
        `The database probe of {{ $labels.instance }} (job {{ $labels.job }}) has failed for ${minutes(a.for)}:` +
          ' SELECT 1',
        'did not answer within 5 s. Events are refused with 503, live KPI gauges keep their last values and the',
        'KPI jobs cannot run.',
      ],
    }),
    dashboardPath: OVERVIEW,
    runbook: 'workshop-analytics-database-down.md',
  },
];

/** '2m' → '2 minutes', for descriptions. */
export function minutes(duration: string): string {
  const m = /^(\d+)m$/.exec(duration);
  return m ? `${m[1]} minutes` : duration;
}
