/** Builds the aggregator (stores, KPI computation, gauges, checks, routes, schedule) over one pool. */
import type { Router } from 'express';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { clearDirtyDays, ensureMonthPartitions, monthsAhead, readDirtyDays } from '../ingest/event-store.js';
import { dropEventPartitionsBefore, retentionCutoff } from '../ingest/partition-retention-store.js';
import type { Logger } from '../logger.js';
import { aggregatorJobs, type AggregatorJobsDeps } from './aggregator-jobs.js';
import type { AggregatorMetrics } from './aggregator-metrics.js';
import { AlertChecks, type Ingest } from './alert-checks.js';
import { DatabaseProbe } from './database-probe.js';
import { GaugeRefresher, PRUNE_CHANGES_AFTER_MS } from './gauge-refresher.js';
import { GaugeStore } from './gauge-store.js';
import { InviteStore } from './invite-store.js';
import { JobStore } from './job-store.js';
import { KpiAggregator } from './kpi-aggregator.js';
import { kpiGaugeSamples, type GaugeSamples } from './kpi-gauges.js';
import { kpiRoutes } from './kpi-routes.js';
import { KpiStore } from './kpi-store.js';
import { startSchedule, type Schedule } from './schedule.js';
import { addDays, localDate } from './periods.js';
import { workshopRoutes } from './workshop-routes.js';

export interface AggregatorModule {
  readonly aggregator: KpiAggregator;
  readonly refresher: GaugeRefresher;
  readonly checks: AlertChecks;
  /** SELECT 1 every 15 s (workshop_database_up); runs in every AGGREGATOR_MODE once start() is called. */
  readonly databaseProbe: DatabaseProbe;
  readonly jobs: ReturnType<typeof aggregatorJobs>;
  readonly routes: Router[];
  /** The live KPI gauges of the current snapshot, for /metrics (computed once per refresh). */
  readonly gaugeSamples: () => GaugeSamples;
  /**
   * Whether this process exports the live KPI gauges and refreshes them (AGGREGATOR_MODE `inline` or `only`). An
   * ingest replica (`off`) exports none of them, only workshop_database_up: the per-workshop series come from the
   * one aggregator, not from every replica.
   */
  readonly exportsKpiGauges: boolean;
  /** Calls `listener` after every scheduled gauge refresh (the service renders the /metrics text there). */
  afterRefresh(listener: () => void): void;
  /**
   * Catches up what no replica computed (aggregator-jobs.ts): the latest due daily, weekly and monthly firings,
   * failed or abandoned firings, missing rows of the last 14 days and last month's. Each once across replicas;
   * never throws.
   */
  catchUp(nowMs: number): Promise<void>;
  /**
   * Starts the cron schedule per AGGREGATOR_MODE and, unless the mode is `off`, the catch-up in the background;
   * stopping the schedule ends the catch-up after its current step. Mode `off` (an ingest replica) runs the
   * database probe only: no KPI jobs, checks or gauge refresh.
   */
  start(): Schedule;
}

export function createAggregatorModule(
  pool: Pool,
  config: Pick<Config, 'metricsTimeZone' | 'inviteTtlDays' | 'aggregatorMode' | 'beta'> &
    Partial<Pick<Config, 'eventsRetentionMonths'>>,
  deps: {
    metrics: AggregatorMetrics;
    log: Logger;
    ingest: Ingest;
    adminTokens: readonly string[];
    afterWeekly?: (monday: string, store: KpiStore) => Promise<void>;
  },
): AggregatorModule {
  const { metrics, log } = deps;
  const kpiStore = new KpiStore(pool);
  const gaugeStore = new GaugeStore(pool, config.inviteTtlDays);
  const databaseProbe = new DatabaseProbe(gaugeStore);
  const aggregator = new KpiAggregator(kpiStore, config.metricsTimeZone, {
    kpiFailure: (source, err) => {
      metrics.kpiFailure(source);
      log.error({ err, source }, 'KPI source failed; its columns were left unchanged');
    },
  });
  const refresher = new GaugeRefresher(gaugeStore, (source, err) => {
    metrics.gaugeRefreshFailure(source);
    log.error({ err, source }, 'gauge refresh source failed; its gauges keep their previous values');
  });
  const checks = new AlertChecks(gaugeStore, new InviteStore(pool), deps.ingest, config.inviteTtlDays);
  const listeners: Array<() => void> = [];
  const jobs = aggregatorJobs({
    aggregator,
    jobs: new JobStore(pool),
    checks,
    refresher: {
      refresh: async (nowMs?: number) => {
        const ok = await refresher.refresh(nowMs);
        for (const l of listeners) l();
        return ok;
      },
    },
    timeZone: config.metricsTimeZone,
    lateDays: { read: () => readDirtyDays(pool), clear: (days) => clearDirtyDays(pool, days) },
    createPartitionsAhead: (nowMs) => ensureMonthPartitions(pool, monthsAhead(nowMs, 3)),
    pruneGaugeChanges: async () => void (await gaugeStore.pruneChanges(PRUNE_CHANGES_AFTER_MS)),
    afterWeekly: deps.afterWeekly && ((monday) => deps.afterWeekly!(monday, kpiStore)),
    retention: retentionOf(pool, config.eventsRetentionMonths, config.metricsTimeZone, metrics, log),
    report: (job, outcome, error) => {
      metrics.jobRun(job, outcome);
      if (outcome === 'failure') log.error({ err: error, job }, 'aggregator job failed');
      else if (job !== 'gauge_refresh') log.info({ job, outcome }, 'aggregator job finished');
    },
  });
  return {
    aggregator,
    refresher,
    checks,
    databaseProbe,
    jobs,
    gaugeSamples: kpiGaugeSamples(
      () => refresher.snapshot,
      config.beta,
      () => databaseProbe.up,
    ),
    routes: [
      kpiRoutes({ aggregator, store: kpiStore, adminTokens: deps.adminTokens, timeZone: config.metricsTimeZone }),
      workshopRoutes({ checks, gauges: gaugeStore, adminTokens: deps.adminTokens }),
    ],
    exportsKpiGauges: config.aggregatorMode !== 'off',
    afterRefresh: (listener) => void listeners.push(listener),
    catchUp: (nowMs) => jobs.catchUp(nowMs),
    start() {
      const { daily_metrics, weekly_metrics, monthly_metrics, hourly_checks, gauge_refresh } = jobs;
      const off = config.aggregatorMode === 'off';
      const probe = databaseProbe.job();
      const schedule = startSchedule(
        off ? [probe] : [daily_metrics, weekly_metrics, monthly_metrics, hourly_checks, gauge_refresh, probe],
        config.metricsTimeZone,
      );
      if (off) return schedule;
      let stopping = false;
      const catchingUp = jobs.catchUp(Date.now(), () => stopping);
      return {
        async stop() {
          stopping = true;
          await Promise.all([schedule.stop(), catchingUp]);
        },
      };
    },
  };
}

/** EVENTS_RETENTION_MONTHS for the daily job; undefined (keep forever) when unset. */
function retentionOf(
  pool: Pool,
  months: number | undefined,
  timeZone: string,
  metrics: AggregatorMetrics,
  log: Logger,
): AggregatorJobsDeps['retention'] {
  if (months === undefined) return undefined;
  return {
    async dropExpired(nowMs) {
      const cutoff = retentionCutoff(nowMs, months);
      const { dropped, keysDeleted } = await dropEventPartitionsBefore(pool, cutoff);
      metrics.partitionsDropped?.(dropped.length);
      if (dropped.length || keysDeleted)
        log.info(
          { retentionMonths: months, cutoff, dropped, keysDeleted },
          'event partitions past the retention dropped',
        );
    },
    // the local day after the cutoff's: a local day of the cutoff date may hold events of the dropped month
    firstKeptDay: (nowMs) => addDays(localDate(Date.parse(retentionCutoff(nowMs, months)), timeZone), 1),
  };
}
