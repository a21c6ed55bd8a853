/**
 * Writes replayed samples as an OpenMetrics text file for `promtool tsdb create-blocks-from openmetrics`:
 * OpenMetrics wants each metric family in one piece, so samples are spooled per family (one temporary file each)
 * in time order and joined at the end, with `# TYPE` lines and the closing `# EOF`.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type { Sample } from './as-of-gauges.js';

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const labelTexts = new WeakMap<object, string>();
/** `{k="v",…}` of a labels object (cached: the replay hands the same object for a series while it can). */
function labelText(labels: Readonly<Record<string, string>>): string {
  let text = labelTexts.get(labels);
  if (text === undefined) {
    const body = Object.entries(labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    text = body ? `{${body}}` : '';
    labelTexts.set(labels, text);
  }
  return text;
}

/** One sample line: name{labels} value timestamp (seconds). */
export function sampleLine(name: string, s: Sample, atMs: number): string {
  const value = Number.isFinite(s.value)
    ? String(s.value)
    : Number.isNaN(s.value)
      ? 'NaN'
      : s.value > 0
        ? '+Inf'
        : '-Inf';
  return `${name}${labelText(s.labels)} ${value} ${atMs / 1000}\n`;
}

interface Spool {
  file: string;
  stream: WriteStream;
  buffer: string[];
  size: number;
  samples: number;
}

export class OpenMetricsWriter {
  private readonly spools = new Map<string, Spool>();
  samples = 0;

  constructor(
    private readonly dir: string,
    private readonly families: readonly string[],
  ) {
    families.forEach((name, i) => {
      const file = path.join(dir, `family-${i}.om`);
      this.spools.set(name, { file, stream: createWriteStream(file), buffer: [], size: 0, samples: 0 });
    });
  }

  /** Adds the samples of one instant; instants must increase. */
  async add(atMs: number, samples: ReadonlyMap<string, readonly Sample[]>): Promise<void> {
    for (const [name, list] of samples) {
      const spool = this.spools.get(name);
      if (!spool) throw new Error(`openmetrics: no family ${name}`);
      for (const s of list) {
        const line = sampleLine(name, s, atMs);
        spool.buffer.push(line);
        spool.size += line.length;
        spool.samples++;
      }
      this.samples += list.length;
      if (spool.size > 1 << 20) await this.flush(spool);
    }
  }

  private async flush(spool: Spool): Promise<void> {
    if (!spool.buffer.length) return;
    const ok = spool.stream.write(spool.buffer.join(''));
    spool.buffer = [];
    spool.size = 0;
    if (!ok) await once(spool.stream, 'drain');
  }

  /** Joins the families into `file` and removes the spools; answers the number of samples written. */
  async finish(file: string): Promise<number> {
    const out = createWriteStream(file);
    for (const name of this.families) {
      const spool = this.spools.get(name)!;
      await this.flush(spool);
      spool.stream.end();
      await once(spool.stream, 'finish');
      if (spool.samples === 0) continue;
      out.write(`# TYPE ${name} gauge\n`);
      // (stream.pipeline with end: false would wait for `out` to finish)
      for await (const chunk of createReadStream(spool.file)) if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end('# EOF\n');
    await once(out, 'finish');
    return this.samples;
  }
}
