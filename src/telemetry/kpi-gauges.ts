/**
 * Exports snapshot gauges (the aggregator's live KPIs) on /metrics. Each scrape resets every gauge and sets only
 * the series of the current samples, so a series that is no longer sampled drops out (and its alert resolves).
 * prom-client's collect() hook does exactly that; OpenTelemetry JS observable gauges keep exporting attribute
 * sets that are no longer observed, which would keep such alerts firing forever.
 */
import { Gauge, type Registry } from 'prom-client';
import type { MetricSpec } from '../catalogue/metric-catalogue.js';

/** One series: labels (none for a single-series gauge) and value. */
export interface SnapshotSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Registers one gauge per spec; at each scrape, each reads its series from `samples()` by metric name. */
export function registerSnapshotGauges(
  registry: Registry,
  specs: readonly MetricSpec[],
  samples: () => ReadonlyMap<string, readonly SnapshotSample[]>,
): void {
  for (const spec of specs) {
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: [...spec.labels],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of samples().get(spec.name) ?? []) {
          if (s.labels) this.set(s.labels, s.value);
          else this.set(s.value);
        }
      },
    });
  }
}
