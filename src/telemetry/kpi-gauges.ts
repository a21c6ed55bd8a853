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

/** prom-client's value text (the same exposition as its registry). */
const valueText = (v: number) =>
  Number.isNaN(v) ? 'Nan' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : `${v}`;
const escapeText = (t: string) => (/[\\\n]/.test(t) ? t.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : t);
const escapeLabel = (t: string) => (/[\\\n"]/.test(t) ? escapeText(t).replace(/"/g, '\\"') : t);

/**
 * The exposition of `specs` from `samples`, byte for byte as prom-client's registry writes these gauges (HELP, TYPE,
 * one line per sample; a gauge without labels and without a sample reads 0, as prom-client's reset gauge does),
 * built directly: prom-client took ~5 s for the ~420,000 series of 50,000 workshops (BENCHMARKS.md, bench:scrape).
 */
export function renderSnapshotGauges(
  specs: readonly MetricSpec[],
  samples: ReadonlyMap<string, readonly SnapshotSample[]>,
): string {
  const blocks: string[] = [];
  for (const spec of specs) {
    const name = escapeText(spec.name);
    const lines = [`# HELP ${name} ${escapeText(spec.help)}`, `# TYPE ${name} gauge`];
    const list = samples.get(spec.name) ?? [];
    if (list.length === 0 && spec.labels.length === 0) lines.push(`${spec.name} 0`);
    // a label set sampled twice keeps its first place and its last value, as prom-client's gauge
    const seen = new Map<string, number>();
    for (const s of list) {
      let labels = '';
      if (s.labels) {
        const parts: string[] = [];
        for (const [k, v] of Object.entries(s.labels)) parts.push(`${k}="${escapeLabel(v)}"`);
        if (parts.length) labels = `{${parts.join(',')}}`;
      }
      const at = seen.get(labels);
      const line = `${spec.name}${labels} ${valueText(s.value)}`;
      if (at === undefined) {
        seen.set(labels, lines.length);
        lines.push(line);
      } else lines[at] = line;
    }
    blocks.push(lines.join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
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
  type Entry = { key: ReadonlyMap<string, readonly SnapshotSample[]>; text: string; bytes: Buffer };
  let cache: Entry | undefined;
  const entry = (): Entry => {
    const key = samples();
    if (cache?.key !== key) {
      const text = renderSnapshotGauges(specs, key);
      cache = { key, text, bytes: Buffer.from(text, 'utf8') };
    }
    return cache;
  };
  return {
    render: async () => entry().text,
    /** The same text UTF-8 encoded, also once per snapshot: a scrape writes these bytes as they are. */
    renderBuffer: async () => entry().bytes,
  };
}
