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
    help:
      'Workshop business events stored (each id once), by event type, category and outcome ' +
      "(success | failure from the event's success field). Present at 0 for every catalogue type from start-up.",
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
    labelValues:
      'validation | auth | too_large | unsupported_media_type | invalid_json (also a body that is not UTF-8) | ' +
      'overloaded | unavailable | database_rejected (values only PostgreSQL refused: 400 invalid_event)',
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
    labels: ['aggregator_job', 'outcome'],
    help:
      'Scheduled aggregator jobs run by this replica, by outcome ' +
      '(skipped: another replica had the lock or had already run that firing).',
    labelValues:
      'aggregator_job: daily_metrics | weekly_metrics | monthly_metrics | hourly_checks | gauge_refresh; ' +
      'outcome: success | failure | skipped',
  },
  partitionsDropped: {
    name: 'workshop_event_partitions_dropped_total',
    type: 'counter',
    labels: [],
    help:
      'Monthly event log partitions detached and dropped by this replica because they were older than ' +
      'EVENTS_RETENTION_MONTHS (the log names each one). KPI rows and projections are kept.',
  },
} as const satisfies Record<string, MetricSpec>;

/** Outcomes of an owner e-mail (workshop_owner_notifications_total's `outcome`). */
export const OWNER_NOTIFICATION_OUTCOMES = ['sent', 'skipped', 'failed'] as const;
/** Who an owner e-mail is for (workshop_owner_notifications_total's `recipient`); `none`: nobody could be chosen. */
export const OWNER_NOTIFICATION_RECIPIENTS = ['owner', 'account_manager', 'none'] as const;
export type OwnerNotificationOutcome = (typeof OWNER_NOTIFICATION_OUTCOMES)[number];
export type OwnerNotificationRecipient = (typeof OWNER_NOTIFICATION_RECIPIENTS)[number];

export const ALERT_METRICS = {
  ownerNotifications: {
    name: 'workshop_owner_notifications_total',
    type: 'counter',
    labels: ['outcome', 'recipient'],
    help:
      'E-mails to workshop owners for firing audience="workshop_owner" alerts (WorkshopThriving), by outcome: sent; ' +
      'skipped (already e-mailed within 30 days, by any replica or delivery, or no address to send to); failed ' +
      '(SMTP or database error; the claim is released, so a later delivery retries). Recipient: the owner, the ' +
      'account manager (no owner e-mail known), or none. Present at 0 for every pair from start-up.',
    labelValues: 'outcome: sent | skipped | failed; recipient: owner | account_manager | none',
  },
} as const satisfies Record<string, MetricSpec>;

const g = (name: string, help: string, labels: readonly string[] = [], labelValues?: string): MetricSpec => ({
  name,
  type: 'gauge',
  labels,
  help,
  ...(labelValues ? { labelValues } : {}),
});
const WS = ['workshop_id'];
const WS_VALUES = 'workshop ids of workshops in the database (bounded by the number of workshops)';

/** Live KPI gauges, refreshed every minute from PostgreSQL by the aggregator (src/aggregate/gauge-refresher.ts). */
export const KPI_GAUGES = {
  applicationsPending: g(
    'workshop_applications_pending',
    'Workshop applications pending: signup success, neither approved nor rejected.',
  ),
  submittedAt: g(
    'workshop_application_submitted_timestamp_seconds',
    'For each pending workshop, when its application was submitted (first workshop_signup_success), Unix seconds. ' +
      'Alert on time() - this.',
    WS,
    WS_VALUES,
  ),
  lastAccess: g(
    'workshop_last_dashboard_access_timestamp_seconds',
    'For each active workshop, its last dashboard access (or its approval, if it never logged in), Unix seconds.',
    WS,
    WS_VALUES,
  ),
  mechanicsActive: g('workshop_mechanics_active', 'For each active workshop, its active mechanics.', WS, WS_VALUES),
  capacity: g(
    'workshop_mechanic_capacity',
    'For each active workshop with a known capacity, its maximum number of mechanics.',
    WS,
    WS_VALUES,
  ),
  invitesSent: g(
    'workshop_invites_sent_30d',
    'For each active workshop, invitations sent in the last 30 days.',
    WS,
    WS_VALUES,
  ),
  invitesAccepted: g(
    'workshop_invites_accepted_30d',
    'For each active workshop, invitations sent in the last 30 days that have been accepted.',
    WS,
    WS_VALUES,
  ),
  invitesResolved: g(
    'workshop_invites_resolved_30d',
    'For each active workshop, invitations sent in the last 30 days that are resolved: accepted, expired, or sent ' +
      'more than INVITE_TTL_DAYS ago (the denominator of invite acceptance; open invitations do not count).',
    WS,
    WS_VALUES,
  ),
  lastInvite: g(
    'workshop_last_invite_timestamp_seconds',
    'For each active workshop that ever invited a mechanic, its latest mechanic_invited (occurred_at), Unix seconds.',
    WS,
    WS_VALUES,
  ),
  sessions: g(
    'workshop_sessions_completed_30d',
    'For each active workshop, sessions completed in the last 30 days.',
    WS,
    WS_VALUES,
  ),
  health: g(
    'workshop_health_score',
    'For each active workshop, its health score 0-100 (docs/health-score.md).',
    WS,
    WS_VALUES,
  ),
  info: g(
    'workshop_info',
    'Always 1; joins workshop_id to the workshop name, city and region (and status) for alert texts and dashboards ' +
      '(region: metadata.region or the default mapping from the city, docs/regions.md).',
    ['workshop_id', 'name', 'city', 'region', 'status'],
    'one series per workshop that has a name (region and city are attributes of the workshop: they add no series)',
  ),
  signupsStarted24h: g('workshop_signups_started_24h', 'workshop_signup_started events in the last 24 hours.'),
  signupsCompleted24h: g('workshop_signups_completed_24h', 'workshop_signup_success events in the last 24 hours.'),
  emailsSent24h: g('workshop_emails_sent_24h', 'email_*_sent events in the last 24 hours.'),
  emailsFailed24h: g('workshop_emails_failed_24h', 'email_*_failed events in the last 24 hours.'),
  emailsSent1h: g('workshop_emails_sent_1h', 'email_*_sent events that occurred (occurred_at) in the last hour.'),
  emailFailures1h: g(
    'workshop_email_failures_1h',
    'email_*_failed events that occurred (occurred_at) in the last hour; late or retried events of earlier hours ' +
      'do not count.',
  ),
  approvals7d: g(
    'workshop_approvals_7d',
    'Approve and reject decisions in the last 7 days (the sample behind the average approval time).',
  ),
  approvalTimeAvg7d: g(
    'workshop_approval_time_avg_7d_seconds',
    'Average time from first signup success to decision over decisions of the last 7 days; ' +
      'absent when there were none.',
  ),
  activeWorkshops: g('workshop_active_workshops', 'Workshops active now (approved, not suspended).'),
  suspendedWorkshops: g('workshop_suspended_workshops', 'Workshops suspended now.'),
  betaTargetMin: g(
    'workshop_beta_target_min',
    'Beta programme target, lower bound of beta workshops (BETA_TARGET_MIN).',
  ),
  betaTargetMax: g(
    'workshop_beta_target_max',
    'Beta programme target, upper bound of beta workshops (BETA_TARGET_MAX).',
  ),
  betaWorkshops: g(
    'workshop_beta_workshops',
    'Beta workshops: workshops whose first workshop_approved occurred (occurred_at) within the beta window, from ' +
      'BETA_START (midnight UTC, included) to BETA_END (midnight UTC, excluded), whatever their status now. ' +
      'The Beta Program Tracker lists the same workshops.',
  ),
  betaMilestone: g(
    'workshop_beta_milestone_timestamp_seconds',
    'When the beta workshops reached each target: the occurred_at of the approval that made the ' +
      'BETA_TARGET_MIN-th (target_min) or BETA_TARGET_MAX-th (target_max) beta workshop, in approval order, ' +
      'Unix seconds. Absent until reached. WorkshopBetaMilestoneReached fires for a bounded time after it.',
    ['milestone'],
    'target_min | target_max',
  ),
  betaStart: g(
    'workshop_beta_start_timestamp_seconds',
    'Beta programme start (BETA_START, midnight UTC), Unix seconds.',
  ),
  betaEnd: g('workshop_beta_end_timestamp_seconds', 'Beta programme end (BETA_END, midnight UTC), Unix seconds.'),
  jobLastSuccess: g(
    'workshop_aggregator_job_last_success_timestamp_seconds',
    'Last successful run of each aggregator job, Unix seconds. daily_metrics / weekly_metrics / monthly_metrics / ' +
      "hourly_checks come from PostgreSQL (the same on every replica); gauge_refresh is this replica's own last " +
      'refresh in which every source succeeded. 0 when the job has never succeeded.',
    ['aggregator_job'],
    'daily_metrics | weekly_metrics | monthly_metrics | hourly_checks | gauge_refresh',
  ),
  jobDuration: g(
    'workshop_aggregator_job_last_duration_seconds',
    "Duration of the last successful run of each aggregator job (gauge_refresh: this replica's).",
    ['aggregator_job'],
    'daily_metrics | weekly_metrics | monthly_metrics | hourly_checks | gauge_refresh',
  ),
  databaseUp: g(
    'workshop_database_up',
    "1 when this replica's last database probe (SELECT 1 every 15 s, independent of traffic) succeeded within 5 s, " +
      'else 0.',
  ),
  gaugeRefreshFailures: {
    name: 'workshop_kpi_refresh_failures_total',
    type: 'counter',
    labels: ['source'],
    help: 'Gauge refresh sources that failed (their gauges kept the previous values).',
    labelValues: 'workshops | rolling | jobs',
  },
} as const satisfies Record<string, MetricSpec>;

export const METRIC_CATALOGUE: readonly MetricSpec[] = [
  ...Object.values(INGEST_METRICS),
  ...Object.values(AGGREGATOR_METRICS),
  ...Object.values(ALERT_METRICS),
  ...Object.values(KPI_GAUGES),
];

/**
 * Metrics only the aggregator exports (AGGREGATOR_MODE inline or only): its job and failure counters and every
 * live KPI gauge except workshop_database_up. An ingest replica (AGGREGATOR_MODE=off) exports the rest only, so
 * its series do not grow with the number of workshops.
 */
export const AGGREGATOR_ONLY_METRICS: ReadonlySet<string> = new Set(
  [...Object.values(AGGREGATOR_METRICS), ...Object.values(KPI_GAUGES)]
    .map((s) => s.name)
    .filter((n) => n !== KPI_GAUGES.databaseUp.name),
);
