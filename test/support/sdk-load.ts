/**
 * Client-SDK load for fault tests: a tracker with its default retries (200 ms doubling to 30 s, 10 retries,
 * Retry-After honoured) tracking a steady stream of events with known ids; and what PostgreSQL holds of them.
 */
import { randomUUID } from 'node:crypto';
import { createWorkshopTracker } from '@theautodoctor/workshop-analytics-client';
import { withClient } from './database.js';

export interface SdkLoad {
  /** Every id the tracker accepted (track() returned true). */
  readonly ids: string[];
  /** Stops tracking, flushes and shuts the tracker down; resolves with its stats. */
  finish(timeoutMs?: number): Promise<ReturnType<ReturnType<typeof createWorkshopTracker>['stats']>>;
}

/** Tracks `perTick` events every `tickMs` until finish() (at most `maxEvents`). */
export function startSdkLoad(url: string, token: string, perTick = 10, tickMs = 50, maxEvents = 20_000): SdkLoad {
  const tracker = createWorkshopTracker({ url, token, flushIntervalMs: 100 });
  const ids: string[] = [];
  const timer = setInterval(() => {
    for (let i = 0; i < perTick && ids.length < maxEvents; i++) {
      const id = randomUUID();
      if (tracker.track({ id, type: 'workshop_dashboard_accessed', workshop_id: randomUUID() })) ids.push(id);
    }
  }, tickMs);
  return {
    ids,
    async finish(timeoutMs = 40_000) {
      clearInterval(timer);
      return tracker.shutdown({ timeoutMs });
    },
  };
}

/** How many of `ids` are stored, and the most rows any one of them has. */
export async function storedOnce(dbUrl: string, ids: string[]): Promise<{ stored: number; maxPerId: number }> {
  return withClient(dbUrl, async (c) => {
    const r = await c.query<{ stored: string; max: number | null }>(
      `SELECT count(*) AS stored, max(n)::int AS max
         FROM (SELECT count(*) AS n FROM workshop_events WHERE id = ANY($1) GROUP BY id) x`,
      [ids],
    );
    return { stored: Number(r.rows[0]!.stored), maxPerId: r.rows[0]!.max ?? 0 };
  });
}

/** Polls `url` until it answers 200; resolves with the milliseconds it took (rejects after `ms`). */
export async function until200(url: string, ms = 20_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    try {
      if ((await fetch(url)).status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer 200 within ${ms} ms`);
}
