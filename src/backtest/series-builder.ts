/**
 * Builds the OpenMetrics file of a backtest: one pass over the event log (EventLogStore, time order) through the
 * incremental replay, a snapshot of the gauges at every evaluation instant, written as samples (only the metrics
 * the evaluated alerts read).
 *
 * With `heartbeatMs` > the step, a series is written only when it appears, when its value changes, and at least
 * every `heartbeatMs` (Prometheus reading the blocks must look back that far); when it stops being exported it
 * gets one NaN sample, which every comparison drops, where a scrape would write a staleness marker. Most gauges
 * change a few times a day, so this writes far fewer samples than one per step.
 */
import { gaugeSamples, REPLAYED_METRICS } from './as-of-gauges.js';
import type { EventLogStore } from './event-log-store.js';
import { GaugeReplay } from './gauge-replay.js';
import { OpenMetricsWriter } from './openmetrics-writer.js';
import type { EvalGrid } from './alert-state.js';
import type { Sample } from './as-of-gauges.js';

/** Per series, the last value written and when: what to write at an instant so that a reader sees every value. */
class SparseSeries {
  private last = new Map<string, Map<object, { value: number; atMs: number; labels: Sample['labels'] }>>();
  constructor(private readonly heartbeatMs: number) {}

  changes(atMs: number, samples: ReadonlyMap<string, readonly Sample[]>): Map<string, Sample[]> {
    const out = new Map<string, Sample[]>();
    for (const [name, list] of samples) {
      const prev = this.last.get(name) ?? new Map<object, { value: number; atMs: number; labels: Sample['labels'] }>();
      const next = new Map<object, { value: number; atMs: number; labels: Sample['labels'] }>();
      const write: Sample[] = [];
      for (const s of list) {
        // the replay hands one labels object per series (as-of-gauges.ts), so it identifies the series
        const p = prev.get(s.labels);
        if (p && p.value === s.value && atMs - p.atMs < this.heartbeatMs) next.set(s.labels, p);
        else {
          write.push(s);
          next.set(s.labels, { value: s.value, atMs, labels: s.labels });
        }
        prev.delete(s.labels);
      }
      // no longer exported: one NaN ends the series for every comparison
      for (const gone of prev.values()) write.push({ labels: gone.labels, value: NaN });
      this.last.set(name, next);
      out.set(name, write);
    }
    return out;
  }
}

export interface BuiltSeries {
  readonly events: number;
  readonly samples: number;
}

export async function buildSeries(
  log: EventLogStore,
  grid: EvalGrid,
  spoolDir: string,
  outFile: string,
  inviteTtlDays: number,
  metrics: ReadonlySet<string> = new Set(REPLAYED_METRICS),
  heartbeatMs = grid.stepMs,
): Promise<BuiltSeries> {
  const replay = new GaugeReplay(inviteTtlDays);
  const families = REPLAYED_METRICS.filter((m) => metrics.has(m));
  const writer = new OpenMetricsWriter(spoolDir, families);
  const lastMs = grid.startMs + (grid.count - 1) * grid.stepMs;
  const sparse = new SparseSeries(heartbeatMs);
  let k = 0;
  let events = 0;
  const emitUntil = async (beforeMs: number) => {
    // every instant before the event's time has seen all events up to it
    while (k < grid.count && grid.startMs + k * grid.stepMs < beforeMs) {
      const t = grid.startMs + k * grid.stepMs;
      const samples = gaugeSamples(replay.snapshot(t));
      for (const name of samples.keys()) if (!metrics.has(name)) samples.delete(name);
      await writer.add(t, heartbeatMs > grid.stepMs ? sparse.changes(t, samples) : samples);
      k++;
    }
  };
  for await (const page of log.events(lastMs)) {
    for (const e of page) {
      await emitUntil(e.atMs);
      replay.apply(e);
      events++;
    }
  }
  await emitUntil(Infinity);
  const samples = await writer.finish(outFile);
  return { events, samples };
}
