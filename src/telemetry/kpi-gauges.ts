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
import { Gauge, type Registry } from 'prom-client';
import type { MetricSpec } from '../catalogue/metric-catalogue.js';
import { SnapshotExposition, type SnapshotSample } from './snapshot-exposition.js';

export { LabelTexts, SnapshotExposition, type SnapshotSample } from './snapshot-exposition.js';

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
 * The exposition of `specs` from `samples`, byte for byte as prom-client's registry writes these gauges (HELP, TYPE,
 * one line per sample; a gauge without labels and without a sample reads 0, as prom-client's reset gauge does),
 * built directly: prom-client took ~5 s for the ~420,000 series of 50,000 workshops (BENCHMARKS.md, bench:scrape).
 * A from-scratch render (SnapshotExposition renders one snapshot after another, reusing unchanged lines).
 */
export function renderSnapshotGauges(
  specs: readonly MetricSpec[],
  samples: ReadonlyMap<string, readonly SnapshotSample[]>,
): string {
  return new SnapshotExposition(specs).render(samples).toString('utf8');
}

/**
 * The exposition text of one gauge per spec, read from `samples()` by metric name. The bytes are rendered once per
 * samples object (`samples()` returns the same map until the snapshot changes), incrementally from the previous
 * render's (SnapshotExposition), and served from that cache to every scrape; `renderBuffer()` right after a refresh
 * renders them before the next scrape asks. `render()` decodes the same bytes to text (once, when asked).
 */
export function snapshotGaugesText(
  specs: readonly MetricSpec[],
  samples: () => ReadonlyMap<string, readonly SnapshotSample[]>,
): { render(): Promise<string>; renderBuffer(): Promise<Buffer> } {
  type Entry = { key: ReadonlyMap<string, readonly SnapshotSample[]>; bytes: Buffer; text?: string };
  let cache: Entry | undefined;
  const exposition = new SnapshotExposition(specs);
  const entry = (): Entry => {
    const key = samples();
    if (cache?.key !== key) cache = { key, bytes: exposition.render(key) };
    return cache;
  };
  return {
    render: async () => {
      const e = entry();
      return (e.text ??= e.bytes.toString('utf8'));
    },
    /** The UTF-8 bytes, also once per snapshot: a scrape writes these bytes as they are. */
    renderBuffer: async () => entry().bytes,
  };
}
