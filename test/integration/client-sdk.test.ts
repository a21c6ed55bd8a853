/**
 * The tracker SDK's permanent-failure paths against the real service (real HTTP answers, real PostgreSQL),
 * where test/unit/client/tracker.test.ts uses a stand-in server: a 400 that names one bad event of a batch, a
 * 413 for a body past the service's 1 MiB limit, and a 401 for a wrong token. What was stored is read back from
 * workshop_events by id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWorkshopTracker,
  SERVER_MAX_BODY_BYTES,
  type WorkshopEvent,
  type WorkshopTrackerError,
  type WorkshopTrackerOptions,
} from '@theautodoctor/workshop-analytics-client';
import { withClient } from '../support/database.js';
import { uuid } from '../support/events.js';
import { INGEST_TOKEN, startTestService } from '../support/service.js';

let svc: Awaited<ReturnType<typeof startTestService>>;

beforeAll(async () => {
  svc = await startTestService();
});

afterAll(async () => {
  await svc?.stop();
});

interface Sent {
  events: number;
  bytes: number;
  status: number;
}

/**
 * The global fetch, recording each request's event count, body size and answer status. `rewrite` changes the
 * body on its way to the service (the tracker never sees it).
 */
function recordingFetch(rewrite: (body: string) => string = (b) => b) {
  const requests: Sent[] = [];
  const recording: typeof fetch = async (input, init) => {
    const body = rewrite(String(init?.body));
    const res = await fetch(input, { ...init, body });
    requests.push({
      events: (JSON.parse(body) as { events: unknown[] }).events.length,
      bytes: Buffer.byteLength(body),
      status: res.status,
    });
    return res;
  };
  return { fetch: recording, requests };
}

function tracker(options: Partial<WorkshopTrackerOptions> & Pick<WorkshopTrackerOptions, 'fetch'>) {
  const errors: WorkshopTrackerError[] = [];
  const t = createWorkshopTracker({ url: svc.url, token: INGEST_TOKEN, onError: (e) => errors.push(e), ...options });
  return { tracker: t, errors };
}

/** How many times each id is stored in workshop_events (ids never stored are absent). */
async function storedCounts(ids: string[]): Promise<Record<string, number>> {
  const rows = await withClient(svc.databaseUrl, (c) =>
    c.query<{ id: string; n: number }>(
      `SELECT id::text AS id, count(*)::int AS n FROM workshop_events WHERE id = ANY($1::uuid[]) GROUP BY id`,
      [ids],
    ),
  );
  return Object.fromEntries(rows.rows.map((r) => [r.id, r.n]));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the tracker against the real service', () => {
  it('when a batch holds one invalid event, then only that event is dropped (rejected) and the others are stored', async () => {
    const net = recordingFetch();
    const { tracker: t, errors } = tracker({ fetch: net.fetch });
    const workshop = uuid();
    const valid: WorkshopEvent[] = [
      { id: uuid(), type: 'workshop_dashboard_accessed', workshop_id: workshop },
      { id: uuid(), type: 'session_completed', workshop_id: workshop, metadata: { revenue_cents: 12_500 } },
    ];
    // session_completed requires metadata.revenue_cents (docs/events.md): a TypeScript caller cannot compile this
    // (hence the cast), a JavaScript caller can; the tracker does not check it, the service does
    const invalid = {
      id: uuid(),
      type: 'session_completed',
      workshop_id: workshop,
      metadata: { service: 'brakes' },
    } as unknown as WorkshopEvent;
    for (const e of [valid[0]!, invalid, valid[1]!]) expect(t.track(e)).toBe(true);
    await t.flush();

    // one batch of three: refused whole (the service stores nothing of a 400), then resent without the bad one
    expect(net.requests.map((r) => [r.events, r.status])).toEqual([
      [3, 400],
      [2, 202],
    ]);
    expect(t.stats()).toMatchObject({ sent: 2, duplicates: 0, dropped: 1, retries: 0, inFlight: 0, queued: 0 });
    expect(t.stats().droppedByReason).toMatchObject({ rejected: 1 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reason: 'rejected', status: 400, eventCount: 1 });
    expect(errors[0]!.details).toEqual([
      expect.objectContaining({ index: 1, id: invalid.id, path: expect.stringContaining('revenue_cents') }),
    ]);
    expect(await storedCounts([...valid.map((e) => e.id!), invalid.id!])).toEqual({
      [valid[0]!.id!]: 1,
      [valid[1]!.id!]: 1,
    });
    await t.shutdown();
  });

  it('when a body exceeds the 1 MiB limit, then the batch is halved until it fits and every event is stored once', async () => {
    // The tracker never builds a body over maxBodyBytes, which it caps at the service's limit; so that the
    // service itself answers 413, the body is doubled on the way with trailing JSON whitespace (still the same
    // events), as a layer between the app and the service that grows bodies would.
    const net = recordingFetch((body) => body + ' '.repeat(body.length));
    const { tracker: t, errors } = tracker({ fetch: net.fetch, flushIntervalMs: 60_000 });
    const pad = 'x'.repeat(9_000); // ~9 KB per event: 100 events ~ 0.9 MB, doubled ~1.8 MB; 50 doubled ~0.9 MB
    const events: WorkshopEvent[] = Array.from({ length: 100 }, (_, i) => ({
      id: uuid(),
      type: 'workshop_dashboard_accessed',
      workshop_id: uuid(),
      metadata: { i, pad },
    }));
    for (const e of events) expect(t.track(e)).toBe(true);
    await t.flush();

    expect(net.requests.map((r) => [r.events, r.status])).toEqual([
      [100, 413],
      [50, 202],
      [50, 202],
    ]);
    expect(net.requests[0]!.bytes).toBeGreaterThan(SERVER_MAX_BODY_BYTES);
    expect(net.requests[0]!.bytes / 2).toBeLessThanOrEqual(SERVER_MAX_BODY_BYTES); // the tracker's own body fit
    for (const r of net.requests.slice(1)) expect(r.bytes).toBeLessThanOrEqual(SERVER_MAX_BODY_BYTES);
    expect(t.stats()).toMatchObject({ sent: 100, duplicates: 0, dropped: 0, retries: 0, inFlight: 0, queued: 0 });
    expect(errors).toEqual([]);
    const counts = await storedCounts(events.map((e) => e.id!));
    expect(Object.keys(counts)).toHaveLength(100);
    expect(new Set(Object.values(counts))).toEqual(new Set([1]));
    await t.shutdown();
  });

  it('when the token is wrong, then the events are dropped as unauthorized and nothing is retried or stored', async () => {
    const net = recordingFetch();
    const { tracker: t, errors } = tracker({
      fetch: net.fetch,
      token: 'not-the-ingest-token-0123456789',
      initialBackoffMs: 10,
    });
    const events: WorkshopEvent[] = [
      { id: uuid(), type: 'workshop_signup_started', session_id: 'sdk-401-a' },
      { id: uuid(), type: 'workshop_signup_started', session_id: 'sdk-401-b' },
    ];
    for (const e of events) t.track(e);
    await t.flush();
    await sleep(300); // a retry, had there been one, would have gone out after ~10 ms

    expect(net.requests.map((r) => [r.events, r.status])).toEqual([[2, 401]]);
    expect(t.stats()).toMatchObject({ sent: 0, dropped: 2, retries: 0, inFlight: 0, queued: 0 });
    expect(t.stats().droppedByReason).toMatchObject({ unauthorized: 2 });
    expect(errors.map((e) => [e.reason, e.status, e.eventCount])).toEqual([['unauthorized', 401, 2]]);
    expect(await storedCounts(events.map((e) => e.id!))).toEqual({});
    await t.shutdown();
  });
});
