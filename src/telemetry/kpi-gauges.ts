/**
 * Exports snapshot gauges (the aggregator's live KPIs) on /metrics. Each scrape resets every gauge and sets only
 * the series of the current samples, so a series that is no longer sampled drops out (and its alert resolves).
 * prom-client's collect() hook does exactly that; OpenTelemetry JS observable gauges keep exporting attribute
 * sets that are no longer observed, which would keep such alerts firing forever.
 *
 * The aggregator's gauges hold ~34,000 series at 5,000 workshops (3 MB of text); serializing them took 80-90 ms,
 * on the event loop, at every scrape. snapshotGaugesText() serializes them once per snapshot instead and serves
 * that text to every scrape until the samples change (BENCHMARKS.md, bench:scrape).
 */
import { Gauge, Registry } from 'prom-client';
import type { MetricSpec } from '../catalogue/metric-catalogue.js';

/** One series: labels (none for a single-series gauge) and value. */
export interface SnapshotSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Registers one gauge per spec; at each collect, each reads its series from `samples()` by metric name. */
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

/**
 * The exposition text of one gauge per spec, read from `samples()` by metric name. The text is rendered once per
 * samples object (`samples()` returns the same map until the snapshot changes) and served from that cache to every
 * scrape; `render()` right after a refresh renders it before the next scrape asks.
 */
export function snapshotGaugesText(
  specs: readonly MetricSpec[],
  samples: () => ReadonlyMap<string, readonly SnapshotSample[]>,
): { render(): Promise<string>; renderBuffer(): Promise<Buffer> } {
  const registry = new Registry();
  let current: ReadonlyMap<string, readonly SnapshotSample[]> | undefined;
  registerSnapshotGauges(registry, specs, () => current!);
  type Entry = { key: ReadonlyMap<string, readonly SnapshotSample[]>; text: Promise<string>; bytes: Promise<Buffer> };
  let cache: Entry | undefined;
  const entry = (): Entry => {
    const key = samples();
    if (cache?.key !== key) {
      current = key;
      const text = registry.metrics();
      const e: Entry = { key, text, bytes: text.then((t) => Buffer.from(t, 'utf8')) };
      // a failed render is not kept: the next scrape tries again
      e.bytes.catch(() => cache === e && (cache = undefined));
      cache = e;
    }
    return cache;
  };
  return {
    render: () => entry().text,
    /** The same text UTF-8 encoded, also once per snapshot: a scrape writes these bytes as they are. */
    renderBuffer: () => entry().bytes,
  };
}
