/**
 * HTTP load with autocannon: every request carries fresh events (new ids), and the ids of every 2xx answer
 * are remembered so the caller can check that acknowledged events are exactly the stored ones. Bodies can be
 * built ahead of the measurement (buildBodies).
 */
import autocannon from 'autocannon';
import { makeEvent } from './events.js';

export interface LoadOptions {
  url: string;
  token: string;
  connections: number;
  durationS: number;
  /** Events per request: 1 sends a bare event object, more send {"events": [...]}. */
  batch: number;
  /** Receives the ids of every acknowledged (2xx) request. */
  acked: Set<string>;
  /**
   * Request bodies built ahead (buildBodies), used first, so generating events does not take CPU from the
   * system under test during the measurement; when they run out, bodies are built on the fly.
   */
  bodies?: Body[];
}

export interface Body {
  ids: string[];
  body: string;
}

function makeBody(batch: number): Body {
  const events = Array.from({ length: batch }, makeEvent);
  return { ids: events.map((e) => e.id), body: JSON.stringify(batch === 1 ? events[0] : { events }) };
}

/** `n` request bodies of `batch` fresh events each (one bare event when batch is 1). */
export function buildBodies(batch: number, n: number): Body[] {
  return Array.from({ length: n }, () => makeBody(batch));
}

export interface LoadResult {
  durationS: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  eventsAcked: number;
  reqPerS: number;
  eventsPerS: number;
  p50: number;
  p99: number;
  max: number;
  statusCodes: Record<string, number>;
  /** Bodies built during the load because the prebuilt ones ran out. */
  builtDuringLoad: number;
}

interface Ctx {
  ids?: string[];
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const before = o.acked.size;
  const ready = o.bodies ?? [];
  let used = 0;
  let builtDuringLoad = 0;
  const next = () => ready[used++] ?? (builtDuringLoad++, makeBody(o.batch));
  const result = await autocannon({
    url: `${o.url}/v1/events`,
    connections: o.connections,
    duration: o.durationS,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/v1/events',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
        setupRequest: (req, context) => {
          const { ids, body } = next();
          (context as Ctx).ids = ids;
          return { ...req, body };
        },
        onResponse: (status, _body, context) => {
          if (status >= 200 && status < 300) for (const id of (context as Ctx).ids ?? []) o.acked.add(id);
        },
      },
    ],
  });
  const eventsAcked = o.acked.size - before;
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, v.count ?? 0]),
  );
  return {
    durationS: result.duration,
    requests: result['2xx'] + result.non2xx,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    eventsAcked,
    reqPerS: Math.round(result['2xx'] / result.duration),
    eventsPerS: Math.round(eventsAcked / result.duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    statusCodes,
    builtDuringLoad,
  };
}

export interface FlushStats {
  flushes: number;
  events: number;
  seconds: number;
}

/** Group-commit totals from the service's /metrics (workshop_ingest_flush_* histograms). */
export async function flushStats(url: string): Promise<FlushStats> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  return {
    flushes: value('workshop_ingest_flush_size_events_count'),
    events: value('workshop_ingest_flush_size_events_sum'),
    seconds: value('workshop_ingest_flush_duration_seconds_sum'),
  };
}

/** Mean events per flush and mean flush duration (ms) between two scrapes. */
export function flushDelta(a: FlushStats, b: FlushStats): { flushes: number; eventsPerFlush: number; flushMs: number } {
  const flushes = b.flushes - a.flushes;
  return {
    flushes,
    eventsPerFlush: Math.round((b.events - a.events) / flushes),
    flushMs: Math.round(((b.seconds - a.seconds) * 1000) / flushes),
  };
}
