/**
 * Builds the OpenMetrics file of a backtest: one pass over the event log (EventLogStore, time order) through the
 * incremental replay, a snapshot of the gauges at every evaluation instant, written as samples (only the metrics
 * the evaluated alerts read).
 */
import { gaugeSamples, REPLAYED_METRICS } from './as-of-gauges.js';
import type { EventLogStore } from './event-log-store.js';
import { GaugeReplay } from './gauge-replay.js';
import { OpenMetricsWriter } from './openmetrics-writer.js';
import type { EvalGrid } from './alert-state.js';

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
): Promise<BuiltSeries> {
  const replay = new GaugeReplay(inviteTtlDays);
  const families = REPLAYED_METRICS.filter((m) => metrics.has(m));
  const writer = new OpenMetricsWriter(spoolDir, families);
  const lastMs = grid.startMs + (grid.count - 1) * grid.stepMs;
  let k = 0;
  let events = 0;
  const emitUntil = async (beforeMs: number) => {
    // every instant before the event's time has seen all events up to it
    while (k < grid.count && grid.startMs + k * grid.stepMs < beforeMs) {
      const t = grid.startMs + k * grid.stepMs;
      const samples = gaugeSamples(replay.snapshot(t));
      for (const name of samples.keys()) if (!metrics.has(name)) samples.delete(name);
      await writer.add(t, samples);
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
