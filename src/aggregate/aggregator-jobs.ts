/**
 * The aggregator's scheduled jobs (times in METRICS_TZ):
 * - daily_metrics 01:00: yesterday, and again the two days before it (late events); event log partitions for
 *   this month and the 3 after it;
 * - weekly_metrics Monday 02:00: the previous ISO week;
 * - hourly_checks every hour: invitation expiry and the alert checks, and pruning of old claims;
 * - gauge_refresh every minute, on every replica (each process exports its own gauges).
 */
import type { AlertChecks } from './alert-checks.js';
import type { GaugeRefresher } from './gauge-refresher.js';
import type { KpiAggregator } from './kpi-aggregator.js';
import type { JobOutcome, JobStore } from './job-store.js';
import { addDays, previousWeek, yesterday } from './periods.js';
import type { ScheduledJob } from './schedule.js';

export interface AggregatorJobsDeps {
  aggregator: KpiAggregator;
  jobs: JobStore;
  checks: AlertChecks;
  refresher: GaugeRefresher;
  timeZone: string;
  report(job: string, outcome: JobOutcome, error?: unknown): void;
  /** Creates the event log's monthly partitions for the month of `nowMs` and the 3 after it. */
  createPartitionsAhead?(nowMs: number): Promise<void>;
  /** Called after a weekly row has been stored (the weekly digest hooks in here). */
  afterWeekly?(monday: string): Promise<void>;
}

export const JOB_NAMES = ['daily_metrics', 'weekly_metrics', 'hourly_checks', 'gauge_refresh'] as const;

export function aggregatorJobs(d: AggregatorJobsDeps): Record<(typeof JOB_NAMES)[number], ScheduledJob> {
  const locked = (name: string, fn: (atMs: number) => Promise<void>) => async (atMs: number) => {
    const r = await d.jobs.run(name, atMs, () => fn(atMs));
    d.report(name, r.outcome, r.error);
  };
  return {
    daily_metrics: {
      name: 'daily_metrics',
      cron: '0 1 * * *',
      run: locked('daily_metrics', async (at) => {
        const y = yesterday(at, d.timeZone);
        await d.aggregator.compute('daily', [addDays(y, -2), addDays(y, -1), y]);
        await d.createPartitionsAhead?.(at);
      }),
    },
    weekly_metrics: {
      name: 'weekly_metrics',
      cron: '0 2 * * 1',
      run: locked('weekly_metrics', async (at) => {
        const monday = previousWeek(at, d.timeZone);
        await d.aggregator.compute('weekly', [monday]);
        await d.afterWeekly?.(monday);
      }),
    },
    hourly_checks: {
      name: 'hourly_checks',
      cron: '0 * * * *',
      run: locked('hourly_checks', async (at) => {
        await d.checks.run(at);
        await d.jobs.prune();
      }),
    },
    gauge_refresh: {
      name: 'gauge_refresh',
      cron: '* * * * *',
      run: async () => {
        try {
          await d.refresher.refresh();
          d.report('gauge_refresh', 'success');
        } catch (error) {
          d.report('gauge_refresh', 'failure', error);
        }
      },
    },
  };
}
