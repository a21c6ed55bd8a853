/**
 * Builds the OpenMetrics file of a backtest: one pass over the event log (EventLogStore, time order) through the
 * incremental replay, the gauges at every evaluation instant, written as samples (only the metrics the evaluated
 * alerts read).
 *
 * A series is written when it appears, when its value changes and at least every HEARTBEAT_MS (Prometheus reading
 * the blocks looks back `seriesLookbackMs`); when it stops being exported it gets one NaN sample, which every
 * comparison drops, where a scrape would write a staleness marker, and is gone from queries a look-back later. At each
 * instant only the workshops the replay reports as possibly changed (an event, or an invitation or session leaving
 * its window) are looked at, so the work grows with the events and heartbeats, not with workshops × instants.
 */
import {
  labelsOf,
  NO_LABELS,
  PROGRAMME_METRICS,
  programmeValues,
  REPLAYED_METRICS,
  WORKSHOP_METRICS,
  workshopValues,
  type Sample,
} from './as-of-gauges.js';
import type { EventLogStore } from './event-log-store.js';
import { GaugeReplay } from './gauge-replay.js';
import { OpenMetricsWriter } from './openmetrics-writer.js';
import type { EvalGrid } from './alert-state.js';

/**
 * How often an unchanged series is written again. Longer means fewer samples; shorter means an ended series (its
 * NaN) drops out of the alert queries sooner — every series present is work for the PromQL engine at every step.
 */
const HEARTBEAT_MS = 12 * 3_600_000;
const heartbeatSteps = (grid: EvalGrid) => Math.max(1, Math.floor(HEARTBEAT_MS / grid.stepMs));

/** How far back a reader of the blocks must look to see every series written by buildSeries over `grid`. */
export const seriesLookbackMs = (grid: EvalGrid) => (heartbeatSteps(grid) + 1) * grid.stepMs;

export interface BuiltSeries {
  readonly events: number;
  readonly samples: number;
  /** Workshops seen in the log (each a series per per-workshop metric and rule). */
  readonly workshops: number;
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
  const perWorkshop = WORKSHOP_METRICS.flatMap((m, i) => (metrics.has(m) ? [i] : []));
  const programme = PROGRAMME_METRICS.flatMap((m, i) => (metrics.has(m) ? [i] : []));
  // what was last written, per workshop and for the programme (null: not exported)
  const written = new Map<string, Array<number | null>>();
  let writtenProgramme: Array<number | null> = PROGRAMME_METRICS.map(() => null);
  const pending = new Set<string>();
  let heartbeat = false;
  const put = (
    out: Map<string, Sample[]>,
    name: string,
    labels: Sample['labels'],
    was: number | null,
    now: number | null,
  ) => {
    // a series no longer exported ends with one NaN
    if (now !== was || (heartbeat && now !== null)) out.get(name)!.push({ labels, value: now ?? NaN });
  };
  let k = 0;
  let events = 0;
  const emitUntil = async (beforeMs: number) => {
    // every instant before the event's time has seen all events up to it
    while (k < grid.count && grid.startMs + k * grid.stepMs < beforeMs) {
      const t = grid.startMs + k * grid.stepMs;
      heartbeat = k % heartbeatSteps(grid) === 0;
      const out = new Map<string, Sample[]>(families.map((n) => [n, []]));
      const changed = replay.changed(t);
      for (const w of changed) {
        if (w.status === 'pending') pending.add(w.workshopId);
        else pending.delete(w.workshopId);
        const now = workshopValues(w);
        const was = written.get(w.workshopId);
        const labels = labelsOf(w.workshopId);
        for (const i of perWorkshop) put(out, WORKSHOP_METRICS[i]!, labels, was?.[i] ?? null, now[i]!);
        written.set(w.workshopId, now);
      }
      if (heartbeat) {
        const seen = new Set(changed.map((w) => w.workshopId));
        for (const [id, values] of written)
          if (!seen.has(id))
            for (const i of perWorkshop) put(out, WORKSHOP_METRICS[i]!, labelsOf(id), null, values[i]!);
      }
      const now = programmeValues(pending.size, replay.rolling(t));
      for (const i of programme) put(out, PROGRAMME_METRICS[i]!, NO_LABELS, writtenProgramme[i]!, now[i]!);
      writtenProgramme = now;
      await writer.add(t, out);
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
  return { events, samples, workshops: written.size };
}
