/**
 * The aggregator's scheduled jobs (times in METRICS_TZ):
 * - daily_metrics 01:00: yesterday, and again the two days before it (late events); event log partitions for
 *   this month and the 3 after it; with EVENTS_RETENTION_MONTHS, the partitions older than the retention dropped;
 * - weekly_metrics Monday 02:00: the previous ISO week, then the weekly digest;
 * - monthly_metrics on the 1st at 03:00: the previous calendar month;
 * - hourly_checks every hour: first the daily, weekly and monthly firings of the last 14 days that failed or were
 *   abandoned (a claim is a lease, job-store.ts) are run again; invitation expiry and the alert checks; then the
 *   days marked by late events (kpi_dirty_days: older than the daily window, in an ended week or in an ended month;
 *   expiry events included), their ended weeks and their ended months are recomputed and their marks cleared;
 *   pruning of old claims and of the gauge refresh's change marks (workshop_changes, older than two hours);
 * - gauge_refresh every minute, on every aggregator replica (AGGREGATOR_MODE inline or only; each exports its own
 *   gauges). Ingest replicas (off) export none.
 * And catchUp, once at start-up: the latest due daily, weekly and monthly firings (so a missed digest is sent),
 * the retakeable firings, then any daily row of the last 14 days, weekly row of a complete week among them, and
 * last month's row that is still missing.
 */
import type { AlertChecks } from './alert-checks.js';
import type { GaugeRefresher } from './gauge-refresher.js';
import type { KpiAggregator } from './kpi-aggregator.js';
import type { JobOutcome, JobStore } from './job-store.js';
import {
  addDays,
  dateRange,
  groupsWithin,
  localDate,
  addMonths,
  mondayOf,
  monthOf,
  previousMonth,
  previousWeek,
  yesterday,
  zonedTimeMs,
} from './periods.js';
import type { ScheduledJob } from './schedule.js';

/** Local days marked by late events (kpi_dirty_days, written by the ingest flush). */
export interface LateDays {
  read(): Promise<Array<{ day: string; marks: readonly string[] }>>;
  /** Clears the marks as read; a day marked again since keeps its new mark. */
  clear(days: ReadonlyArray<{ day: string; marks: readonly string[] }>): Promise<void>;
}

/** What the jobs call (the real classes in the service; in-memory fakes in unit tests). */
export interface AggregatorJobsDeps {
  aggregator: Pick<KpiAggregator, 'compute' | 'missing'>;
  jobs: Pick<JobStore, 'run' | 'prune' | 'retakeable'>;
  checks: Pick<AlertChecks, 'run'>;
  refresher: Pick<GaugeRefresher, 'refresh'>;
  timeZone: string;
  report(job: string, outcome: JobOutcome, error?: unknown): void;
  lateDays?: LateDays;
  /** Creates the event log's monthly partitions for the month of `nowMs` and the 3 after it. */
  createPartitionsAhead?(nowMs: number): Promise<void>;
  /** Deletes the workshop_changes marks no gauge refresh needs any more (hourly). */
  pruneGaugeChanges?(): Promise<void>;
  /** Called after a weekly row has been stored (the weekly digest hooks in here). */
  afterWeekly?(monday: string): Promise<void>;
  /**
   * Event log retention (EVENTS_RETENTION_MONTHS): `dropExpired` drops the partitions older than the retention
   * (daily, after the partitions ahead); `firstKeptDay` is the first local day whose events are all still stored.
   * Late-event marks of earlier days are cleared without recomputing them, so their KPI rows are kept.
   */
  retention?: { dropExpired(nowMs: number): Promise<void>; firstKeptDay(nowMs: number): string };
}

export const JOB_NAMES = [
  'daily_metrics',
  'weekly_metrics',
  'monthly_metrics',
  'hourly_checks',
  'gauge_refresh',
] as const;

/** Jobs whose failed or abandoned firings are run again (the hourly job's own firings simply recur). */
const RETRIED = ['daily_metrics', 'weekly_metrics', 'monthly_metrics'] as const;
/** How far back start-up catch-up and retries look. */
export const CATCH_UP_DAYS = 14;
const DAY_MS = 86_400_000;

export type AggregatorJobs = Record<(typeof JOB_NAMES)[number], ScheduledJob> & {
  /** Start-up catch-up (see the file comment); never throws. `stopped` ends it between steps. */
  catchUp(nowMs: number, stopped?: () => boolean): Promise<void>;
};

/** Runs each step even when an earlier one failed; fails with the first failure. */
async function allSteps(steps: ReadonlyArray<() => Promise<unknown>>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((err: unknown) => failures.push(err));
  if (failures.length) throw failures[0];
}

export function aggregatorJobs(d: AggregatorJobsDeps): AggregatorJobs {
  const tz = d.timeZone;
  const locked = (name: string, fn: (atMs: number) => Promise<void>) => async (atMs: number) => {
    const r = await d.jobs.run(name, atMs, () => fn(atMs));
    d.report(name, r.outcome, r.error);
  };
  const firings: Record<(typeof RETRIED)[number], (atMs: number) => Promise<void>> = {
    daily_metrics: locked('daily_metrics', async (at) => {
      const y = yesterday(at, tz);
      await d.aggregator.compute('daily', [addDays(y, -2), addDays(y, -1), y]);
      await d.createPartitionsAhead?.(at);
      await d.retention?.dropExpired(at);
    }),
    weekly_metrics: locked('weekly_metrics', async (at) => {
      const monday = previousWeek(at, tz);
      await d.aggregator.compute('weekly', [monday]);
      await d.afterWeekly?.(monday);
    }),
    monthly_metrics: locked('monthly_metrics', async (at) => {
      await d.aggregator.compute('monthly', [previousMonth(at, tz)]);
    }),
  };
  /** Runs again the failed or abandoned daily/weekly/monthly firings of the last 14 days (each under its own claim). */
  const retryFirings = async (nowMs: number) => {
    for (const f of await d.jobs.retakeable(RETRIED, nowMs - CATCH_UP_DAYS * DAY_MS, nowMs))
      await firings[f.job as (typeof RETRIED)[number]](f.scheduledForMs);
  };
  /**
   * Daily rows of the last 14 days, weekly rows of the complete weeks among them and last month's row that nobody
   * stored, under the daily job's lock (never beside a daily run; counted as a daily_metrics run). Re-reading what
   * is missing under the lock makes a second replica find nothing left to do.
   */
  const fillMissingRows = async (nowMs: number) => {
    const today = localDate(nowMs, tz);
    const days = dateRange(addDays(today, -CATCH_UP_DAYS), addDays(today, -1));
    const mondays = [...new Set(days.map(mondayOf))].filter((m) => addDays(m, 7) <= today);
    const r = await d.jobs.run('daily_metrics', null, async () => {
      await d.aggregator.compute('daily', await d.aggregator.missing('daily', days));
      await d.aggregator.compute('weekly', await d.aggregator.missing('weekly', mondays));
      await d.aggregator.compute('monthly', await d.aggregator.missing('monthly', [previousMonth(nowMs, tz)]));
    });
    d.report('daily_metrics', r.outcome, r.error);
  };

  /**
   * Recomputes the days marked by late events, the ended ISO weeks and the ended months holding them (scanning at
   * most a month at a time), then clears those marks; under the daily job's lock, so never beside a daily run.
   */
  const recomputeLateDays = async (nowMs: number) => {
    const marked = (await d.lateDays?.read()) ?? [];
    if (marked.length === 0) return;
    const today = localDate(nowMs, tz);
    // days whose events the retention dropped are not recomputed (that would overwrite their rows from a partial
    // log); their marks are cleared with the others
    const firstKept = d.retention?.firstKeptDay(nowMs);
    const days = marked.map((m) => m.day).filter((day) => firstKept === undefined || day >= firstKept);
    const mondays = [...new Set(days.map(mondayOf))].filter((m) => addDays(m, 7) <= today);
    const months = [...new Set(days.map(monthOf))].filter((m) => addMonths(m, 1) <= today);
    const r = await d.jobs.run('daily_metrics', null, async () => {
      for (const group of groupsWithin(days, 31)) await d.aggregator.compute('daily', group);
      for (const group of groupsWithin(mondays, 35)) await d.aggregator.compute('weekly', group);
      for (const month of months) await d.aggregator.compute('monthly', [month]);
      await d.lateDays!.clear(marked);
    });
    d.report('daily_metrics', r.outcome, r.error);
    if (r.outcome === 'failure') throw r.error;
  };

  return {
    daily_metrics: { name: 'daily_metrics', cron: '0 1 * * *', run: firings.daily_metrics },
    weekly_metrics: { name: 'weekly_metrics', cron: '0 2 * * 1', run: firings.weekly_metrics },
    monthly_metrics: { name: 'monthly_metrics', cron: '0 3 1 * *', run: firings.monthly_metrics },
    hourly_checks: {
      name: 'hourly_checks',
      cron: '0 * * * *',
      run: locked('hourly_checks', (at) =>
        allSteps([
          () => retryFirings(at),
          () => d.checks.run(at), // before the late days: expired invitations are events of past days
          () => recomputeLateDays(at),
          () => d.jobs.prune(),
          () => d.pruneGaugeChanges?.() ?? Promise.resolve(),
        ]),
      ),
    },
    gauge_refresh: {
      name: 'gauge_refresh',
      cron: '* * * * *',
      run: async () => {
        try {
          // a refresh succeeds only when every source did (the failing ones are logged and counted by source)
          if (await d.refresher.refresh()) d.report('gauge_refresh', 'success');
          else d.report('gauge_refresh', 'failure', new Error('a gauge refresh source failed'));
        } catch (error) {
          d.report('gauge_refresh', 'failure', error);
        }
      },
    },
    async catchUp(nowMs, stopped = () => false) {
      const today = localDate(nowMs, tz);
      const daily = [today, addDays(today, -1)].map((day) => zonedTimeMs(day, 1, tz)).find((ms) => ms <= nowMs);
      const weekly = zonedTimeMs(mondayOf(today), 2, tz);
      const monthly = zonedTimeMs(monthOf(today), 3, tz);
      const steps = [
        () => (daily === undefined ? Promise.resolve() : firings.daily_metrics(daily)),
        () => (weekly <= nowMs ? firings.weekly_metrics(weekly) : Promise.resolve()),
        () => (monthly <= nowMs ? firings.monthly_metrics(monthly) : Promise.resolve()),
        () => retryFirings(nowMs),
        () => fillMissingRows(nowMs),
      ];
      for (const step of steps) {
        if (stopped()) return;
        await step().catch((error: unknown) => d.report('daily_metrics', 'failure', error));
      }
    },
  };
}
