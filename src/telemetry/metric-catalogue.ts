/**
 * The metric catalogue: every metric this service defines, with the name Prometheus stores, its type,
 * labels and meaning. Metric names are a public contract; docs/metrics.md is generated from this list
 * (plus prom-client's Node.js default metrics). Labels only ever take values from closed sets.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  /** The name as Prometheus stores it (counters end in _total; histograms add _bucket/_sum/_count). */
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly help: string;
  /** Unit (UCUM) passed to OpenTelemetry; the name already carries it. */
  readonly unit?: string;
  readonly buckets?: readonly number[];
  /** Where label values come from (for docs). */
  readonly labelValues?: string;
}

const SECONDS_FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export const INGEST_METRICS = {
  events: {
    name: 'workshop_events_total',
    type: 'counter',
    labels: ['type', 'category', 'outcome'],
    help: 'Workshop business events stored (each id once), by event type, category and outcome (success | failure from the event\'s success field). Present at 0 for every catalogue type from start-up.',
    labelValues: 'type and category from the event catalogue (docs/events.md); outcome success | failure',
  },
  eventDuration: {
    name: 'workshop_event_duration_seconds',
    type: 'histogram',
    labels: ['type', 'category'],
    unit: 's',
    help: 'duration_ms reported on stored events, in seconds, by event type.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    labelValues: 'event catalogue',
  },
  httpDuration: {
    name: 'workshop_http_request_duration_seconds',
    type: 'histogram',
    labels: ['method', 'route', 'status_code'],
    unit: 's',
    help: 'HTTP request duration by method, route template and status code.',
    buckets: SECONDS_FAST,
    labelValues: 'route is the matched route template (or "unmatched"); method is one of the served methods or "other"',
  },
  batchSize: {
    name: 'workshop_ingest_batch_size_events',
    type: 'histogram',
    labels: [],
    help: 'Events per accepted POST /v1/events request.',
    buckets: SIZE,
  },
  rejected: {
    name: 'workshop_ingest_events_rejected_total',
    type: 'counter',
    labels: ['reason'],
    help: 'Events (or requests, when the body could not be read) refused at ingest, by reason.',
    labelValues: 'validation | auth | too_large | unsupported_media_type | invalid_json | overloaded | unavailable',
  },
  duplicates: {
    name: 'workshop_ingest_duplicate_events_total',
    type: 'counter',
    labels: [],
    help: 'Events acknowledged as duplicates (their id was already stored).',
  },
  writeErrors: {
    name: 'workshop_ingest_db_write_errors_total',
    type: 'counter',
    labels: ['kind'],
    help: 'Failed database writes of a group commit, by kind.',
    labelValues: 'unavailable | retryable (deadlock/serialization, retried) | other',
  },
  flushSize: {
    name: 'workshop_ingest_flush_size_events',
    type: 'histogram',
    labels: [],
    help: 'Events written per group-commit flush (one transaction).',
    buckets: SIZE,
  },
  flushDuration: {
    name: 'workshop_ingest_flush_duration_seconds',
    type: 'histogram',
    labels: [],
    unit: 's',
    help: 'Duration of one group-commit flush transaction.',
    buckets: SECONDS_FAST,
  },
  pending: {
    name: 'workshop_ingest_pending_events',
    type: 'gauge',
    labels: [],
    help: 'Events validated and waiting for a group-commit flush.',
  },
} as const satisfies Record<string, MetricSpec>;

export const AGGREGATOR_METRICS = {
  kpiFailures: {
    name: 'workshop_aggregator_kpi_failures_total',
    type: 'counter',
    labels: ['source'],
    help: 'KPI sources that failed while computing workshop_metrics rows (the other sources still landed).',
    labelValues: 'counts | approvals | states',
  },
  jobRuns: {
    name: 'workshop_aggregator_job_runs_total',
    type: 'counter',
    labels: ['job', 'outcome'],
    help: 'Scheduled aggregator jobs run by this replica, by outcome (skipped: another replica had the lock or had already run that firing).',
    labelValues: 'job: daily_metrics | weekly_metrics | hourly_checks | gauge_refresh; outcome: success | failure | skipped',
  },
} as const satisfies Record<string, MetricSpec>;

export const METRIC_CATALOGUE: readonly MetricSpec[] = [...Object.values(INGEST_METRICS), ...Object.values(AGGREGATOR_METRICS)];
