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

type Labels = Readonly<Record<string, string>>;

/** `{k="v",...}` as prom-client writes a label set ('' for none). */
function labelText(l: Labels): string {
  let text = '';
  for (const k in l) text += `${text === '' ? '{' : ','}${k}="${escapeLabel(l[k]!)}"`;
  return text === '' ? text : `${text}}`;
}

/**
 * The rendered text of each labels object, by identity: samples that share a labels object (kpiGaugeSamples gives a
 * workshop one `{workshop_id}` object for all its gauges, and keeps it and its `workshop_info` labels from one
 * snapshot to the next while they are unchanged) are escaped and joined once. A labels object must not change
 * after it is sampled (SnapshotSample's labels are read-only). `rotate()` after a render forgets the labels that
 * render did not use, so the cache holds only the current snapshot's.
 */
export class LabelTexts {
  private previous = new Map<Labels, string>();
  private current = new Map<Labels, string>();

  text(l: Labels): string {
    let t = this.current.get(l);
    if (t === undefined) {
      t = this.previous.get(l) ?? labelText(l);
      this.current.set(l, t);
    }
    return t;
  }

  rotate(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /** Label sets held (for tests). */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}

/**
 * The exposition of `specs` from `samples`, byte for byte as prom-client's registry writes these gauges (HELP, TYPE,
 * one line per sample; a gauge without labels and without a sample reads 0, as prom-client's reset gauge does),
 * built directly: prom-client took ~5 s for the ~420,000 series of 50,000 workshops (BENCHMARKS.md, bench:scrape).
 * Each gauge's samples must have distinct label sets (kpiGaugeSamples: one per workshop row, workshop_id being the
 * key); prom-client would keep the last of repeated ones, this writes them all (no lookup per series: half the time).
 * `labels` (optional) reuses the label texts of earlier renders: see LabelTexts.
 */
export function renderSnapshotGauges(
  specs: readonly MetricSpec[],
  samples: ReadonlyMap<string, readonly SnapshotSample[]>,
  labels: LabelTexts = new LabelTexts(),
): string {
  let text = '';
  for (const spec of specs) {
    const name = escapeText(spec.name);
    if (text !== '') text += '\n';
    text += `# HELP ${name} ${escapeText(spec.help)}\n# TYPE ${name} gauge`;
    const list = samples.get(spec.name) ?? [];
    if (list.length === 0 && spec.labels.length === 0) text += `\n${spec.name} 0`;
    // one string appended per series (~420,000 at 50,000 workshops): no arrays, joins or per-line label escaping
    const prefix = `\n${spec.name}`;
    for (const s of list) text += `${prefix}${s.labels ? labels.text(s.labels) : ''} ${valueText(s.value)}`;
    text += '\n';
  }
  return text === '' ? '\n' : text;
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
  const labels = new LabelTexts();
  const entry = (): Entry => {
    const key = samples();
    if (cache?.key !== key) {
      const text = renderSnapshotGauges(specs, key, labels);
      labels.rotate();
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
