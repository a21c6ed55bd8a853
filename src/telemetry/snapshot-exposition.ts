/**
 * The exposition text of snapshot gauges, rendered incrementally: a sample object that was in the previous render
 * (the same object, in the same gauge) is not rendered again — its bytes are copied from the previous render's
 * buffer, in runs of neighbouring lines — and only new sample objects are formatted and encoded. kpiGaugeSamples
 * keeps a workshop's sample objects from one snapshot to the next while their labels and values are unchanged, so
 * when 5% of 50,000 workshops changed, ~5% of the ~420,000 lines are formatted (BENCHMARKS.md, bench:render).
 * The bytes are prom-client's exposition of these gauges, byte for byte (test/unit/telemetry: a property test
 * against prom-client's registry, and one of incremental against from-scratch renders).
 */
import type { MetricSpec } from '../catalogue/metric-catalogue.js';

/** One series: labels (none for a single-series gauge) and value. Must not change once sampled. */
export interface SnapshotSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

type Labels = Readonly<Record<string, string>>;

/** prom-client's value text (the same exposition as its registry). */
const valueText = (v: number) =>
  Number.isNaN(v) ? 'Nan' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : `${v}`;
const escapeText = (t: string) => (/[\\\n]/.test(t) ? t.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : t);
const escapeLabel = (t: string) => (/[\\\n"]/.test(t) ? escapeText(t).replace(/"/g, '\\"') : t);

/** `{k="v",...}` as prom-client writes a label set ('' for none). */
function labelText(l: Labels): string {
  let text = '';
  for (const k in l) text += `${text === '' ? '{' : ','}${k}="${escapeLabel(l[k]!)}"`;
  return text === '' ? text : `${text}}`;
}

/**
 * The rendered text of each labels object, by identity: samples that share a labels object (kpiGaugeSamples gives a
 * workshop one `{workshop_id}` object for all its gauges) are escaped and joined once. A labels object must not
 * change after it is sampled. `rotate()` after a render forgets the labels that render did not use.
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

/** How far ahead in the previous render's list a sample is looked for before it is taken as new. */
const LOOKAHEAD = 8;

/**
 * Renders the exposition of `specs` (HELP, TYPE, one line per sample; a gauge without labels and without a sample
 * reads 0, as prom-client's reset gauge does) from one samples map after another. A sample object that was in the
 * same gauge's list in the previous render is not formatted again: its line is copied from the previous render's
 * bytes, with its neighbours when they are adjacent there too. A sample is looked for where the previous one was
 * found, or up to LOOKAHEAD places further (a changed workshop is a new object in the same place; one that left
 * removes one); after 2 × LOOKAHEAD misses in a row, in an index of the previous list by object. A sample that is
 * not found is formatted anew (always correct: a line is reused only for the very object it was rendered from).
 * Each gauge's samples must have distinct label sets (prom-client would keep the last of repeated ones; this
 * writes them all). Samples must not change once rendered.
 */
export class SnapshotExposition {
  private previous: Buffer = Buffer.alloc(0);
  private readonly labels = new LabelTexts();
  /** Per spec: its HELP and TYPE lines (after a blank line but for the first) and its `name 0` line. */
  private readonly heads: string[];
  private readonly zeros: string[];
  /** Per spec: the samples of the previous render, and where each one's line starts in `previous` (and ends). */
  private lists: Array<readonly SnapshotSample[]>;
  private starts: Float64Array[];

  constructor(private readonly specs: readonly MetricSpec[]) {
    this.heads = specs.map((spec, i) => {
      const name = escapeText(spec.name);
      return `${i === 0 ? '' : '\n'}# HELP ${name} ${escapeText(spec.help)}\n# TYPE ${name} gauge\n`;
    });
    this.zeros = specs.map((spec) => `${spec.name} 0\n`);
    this.lists = specs.map(() => []);
    this.starts = specs.map(() => new Float64Array(1));
  }

  render(samples: ReadonlyMap<string, readonly SnapshotSample[]>): Buffer {
    if (this.specs.length === 0) return Buffer.from('\n');
    // the plan: pieces of the output in order, each a run [from, to) of `previous` or (from = -1) texts[to]
    const from: number[] = [];
    const to: number[] = [];
    const texts: string[] = [];
    let total = 0;
    const write = (text: string) => {
      from.push(-1);
      to.push(texts.push(text) - 1);
      const bytes = Buffer.byteLength(text);
      total += bytes;
      return bytes;
    };
    const lists = this.specs.map((spec) => samples.get(spec.name) ?? []);
    const starts = lists.map((list) => new Float64Array(list.length + 1));
    this.specs.forEach((spec, g) => {
      write(this.heads[g]!);
      const list = lists[g]!;
      if (list.length === 0 && spec.labels.length === 0) write(this.zeros[g]!);
      const prev = this.lists[g]!;
      const prevStarts = this.starts[g]!;
      const at = starts[g]!;
      let index: Map<SnapshotSample, number> | undefined;
      let misses = 0;
      let j = 0;
      for (let i = 0; i < list.length; i++) {
        const s = list[i]!;
        let hit = -1;
        for (let k = j; k < prev.length && k <= j + LOOKAHEAD; k++)
          if (prev[k] === s) {
            hit = k;
            break;
          }
        if (hit < 0 && index) hit = index.get(s) ?? -1;
        at[i] = total;
        if (hit < 0) {
          write(`${spec.name}${s.labels ? this.labels.text(s.labels) : ''} ${valueText(s.value)}\n`);
          if (++misses === 2 * LOOKAHEAD && !index) index = new Map(prev.map((p, k) => [p, k]));
          continue;
        }
        misses = 0;
        j = hit + 1;
        const start = prevStarts[hit]!;
        const end = prevStarts[hit + 1]!;
        const last = from.length - 1;
        if (from[last] !== -1 && to[last] === start) to[last] = end;
        else {
          from.push(start);
          to.push(end);
        }
        total += end - start;
      }
      at[list.length] = total;
    });
    const out = Buffer.allocUnsafe(total);
    let pos = 0;
    for (let p = 0; p < from.length; p++) {
      const f = from[p]!;
      if (f === -1) {
        const text = texts[to[p]!]!;
        // ASCII (as many bytes as UTF-16 units) is written without UTF-8 encoding
        const bytes = Buffer.byteLength(text);
        out.write(text, pos, bytes, bytes === text.length ? 'latin1' : 'utf8');
        pos += bytes;
      } else pos += this.previous.copy(out, pos, f, to[p]!);
    }
    this.labels.rotate();
    this.previous = out;
    this.lists = lists;
    this.starts = starts;
    return out;
  }

  /** Samples held for the next render (for tests). */
  get size(): number {
    return this.lists.reduce((n, l) => n + l.length, 0);
  }
}
