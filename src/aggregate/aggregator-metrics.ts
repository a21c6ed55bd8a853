/** What the aggregator reports (implemented by telemetry/; a no-op in unit tests). */
import type { JobOutcome } from './job-store.js';

export interface AggregatorMetrics {
  /** A KPI source (counts, approvals, states) failed; its columns were left unchanged. */
  kpiFailure(source: string): void;
  /** A gauge source (workshops, rolling, jobs) failed; its gauges keep their previous values. */
  gaugeRefreshFailure(source: string): void;
  jobRun(job: string, outcome: JobOutcome): void;
  /** Event log partitions dropped by the retention (EVENTS_RETENTION_MONTHS). */
  partitionsDropped?(count: number): void;
}

export const noopAggregatorMetrics: AggregatorMetrics = {
  kpiFailure() {},
  gaugeRefreshFailure() {},
  jobRun() {},
};
