import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEvent, type NormalizedEvent } from '../../src/ingest/event-schema.js';
import { EventStore } from '../../src/ingest/event-store.js';
import { StoreFailure } from '../../src/ingest/store-failure.js';
import { createTestDatabase, withClient } from '../support/database.js';
import { connectAsGrafanaReader, type GrafanaReader } from '../support/grafana-reader.js';
import { INGEST_TOKEN, startTestService } from '../support/service.js';

const STORES = 8;

function event(occurredAt: string): NormalizedEvent {
  const r = validateEvent(
    { id: randomUUID(), type: 'workshop_dashboard_accessed', workshop_id: randomUUID(), occurred_at: occurredAt },
    0,
    { ipMode: 'drop', nowMs: Date.now() },
  );
  if (!('event' in r)) throw new Error(JSON.stringify(r.problems));
  return r.event;
}

describe('monthly partitions', () => {
  let url: string;
  const pools: pg.Pool[] = [];

  beforeAll(async () => {
    url = await createTestDatabase();
    for (let i = 0; i < STORES; i++) pools.push(new pg.Pool({ connectionString: url, max: 2 }));
    // Open every connection first, so the inserts below start together.
    await Promise.all(pools.map((p) => p.query('SELECT 1')));
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });

  it('when several stores insert events of the same brand-new month at once, then all succeed and every row is stored', async () => {
    // Several rounds, each on a month no partition exists for yet, to give the race a few chances.
    for (const month of ['2003-02', '2004-07', '2005-11', '2006-04', '2007-09']) {
      const [{ n: before }] = (
        await pools[0]!.query<{ n: string }>(`SELECT count(*) AS n FROM pg_class WHERE relname = $1`, [
          `workshop_events_${month.replace('-', '_')}`,
        ])
      ).rows as [{ n: string }];
      expect(before).toBe('0');
      const stores = pools.map((p) => new EventStore(p, 'drop'));
      const batches = stores.map((_, i) =>
        Array.from({ length: 5 }, (__, j) => event(`${month}-1${i % 10}T0${j}:00:00Z`)),
      );
      const results = await Promise.allSettled(stores.map((s, i) => s.insert(batches[i]!)));
      expect(
        results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
      ).toEqual([]);
      const fresh = results.map((r) => (r as PromiseFulfilledResult<Set<string>>).value.size);
      expect(fresh).toEqual(stores.map(() => 5));
      const ids = batches.flat().map((e) => e.id);
      const stored = await pools[0]!.query<{ n: string; parts: string }>(
        `SELECT count(*) AS n, count(DISTINCT tableoid) AS parts FROM workshop_events WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      expect(stored.rows[0]).toEqual({ n: String(ids.length), parts: '1' });
    }
  });

  it('when workshop_events_ensure_partition() is called concurrently for a new month, then every call returns its name', async () => {
    const results = await Promise.allSettled(
      pools.map((p) =>
        p.query<{ name: string }>(`SELECT workshop_events_ensure_partition('2008-01-15T00:00:00Z') AS name`),
      ),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.rows[0]!.name : String(r.reason)))).toEqual(
      pools.map(() => 'workshop_events_2008_01'),
    );
  });
});

const monthPartition = (ms: number) => `workshop_events_${new Date(ms).toISOString().slice(0, 7).replace('-', '_')}`;

/** Posts one event with a deadline; returns its status (0: no answer in time) and latency. */
async function timedPost(url: string, body: unknown, deadlineMs = 15_000) {
  const started = performance.now();
  try {
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(deadlineMs),
    });
    await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started };
  } catch {
    return { status: 0, retryAfter: null, ms: performance.now() - started };
  }
}

const p99 = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.ceil(ms.length * 0.99) - 1]!;

describe('partitions while grafana_reader holds an open read transaction on workshop_events', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let reader: GrafanaReader | undefined;

  beforeAll(async () => {
    svc = await startTestService();
    // a warm service (connections open, statements prepared), as a long-running one is
    const warm = await Promise.all(
      Array.from({ length: 50 }, () =>
        timedPost(svc.url, { id: randomUUID(), type: 'workshop_dashboard_accessed', workshop_id: randomUUID() }),
      ),
    );
    expect(warm.map((r) => r.status)).toEqual(warm.map(() => 202));
    // The month rollover: this month's partition (created ahead at start) is gone and the store has not seen
    // the month, as on the first of a month whose partition nobody created ahead.
    await withClient(svc.databaseUrl, (c) => c.query(`DROP TABLE ${monthPartition(Date.now())}`)); // as the owner
    svc.store.forgetPartitions();
    reader = await connectAsGrafanaReader(svc.databaseUrl);
    await reader.client.query('BEGIN');
    await reader.client.query('SELECT count(*) FROM workshop_events');
    const held = await svc.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks
        WHERE relation = 'workshop_events'::regclass AND mode = 'AccessShareLock' AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(held.rows[0]!.n).toBe(1);
  });
  afterAll(async () => {
    await reader?.client.query('ROLLBACK').catch(() => {});
    await reader?.close();
    await svc?.stop();
  });

  it('when a new month starts and a backfill opens a new historical month, then 200 concurrent posts are all stored with p99 under 1 s (or 3x plain ingest on a loaded machine)', async () => {
    const current = Array.from({ length: 180 }, () => ({
      id: randomUUID(),
      type: 'workshop_dashboard_accessed',
      workshop_id: randomUUID(),
    }));
    const backfill = Array.from({ length: 20 }, (_, i) => ({
      id: randomUUID(),
      type: 'workshop_dashboard_accessed',
      workshop_id: randomUUID(),
      occurred_at: `2001-05-${String(i + 1).padStart(2, '0')}T12:00:00Z`,
    }));
    const results = await Promise.all([...current, ...backfill].map((e) => timedPost(svc.url, e)));
    const latencies = results.map((r) => r.ms);
    // The same load once the partitions exist: on a busy machine (2 shared cores, other test files running)
    // plain ingest alone can pass 1 s, so the bound is 1 s or 3x that, whichever is larger. Unloaded, the
    // rollover's p99 is about 0.3-0.7 s; before partitions were attached, every post hung.
    const again = await Promise.all(
      current.map(() =>
        timedPost(svc.url, { id: randomUUID(), type: 'workshop_dashboard_accessed', workshop_id: randomUUID() }),
      ),
    );
    const baseline = p99(again.map((r) => r.ms));
    if (process.env.REPORT_FIGURES)
      console.info(
        `rollover p99 ${p99(latencies).toFixed(0)} ms; same load, partitions existing: ${baseline.toFixed(0)} ms`,
      );
    expect(results.filter((r) => r.status !== 202)).toEqual([]);
    expect(again.filter((r) => r.status !== 202)).toEqual([]);
    expect(p99(latencies)).toBeLessThan(Math.max(1_000, 3 * baseline));
    const stored = await svc.pool.query<{ part: string; n: number }>(
      `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM workshop_events
        WHERE id = ANY($1::uuid[]) GROUP BY 1 ORDER BY 1`,
      [[...current, ...backfill].map((e) => e.id)],
    );
    expect(stored.rows).toEqual([
      { part: 'workshop_events_2001_05', n: 20 },
      { part: monthPartition(Date.now()), n: 180 },
    ]);
  });

  it('when partition creation cannot get its lock (held by e.g. VACUUM), then a new month gets 503 within seconds while existing months are stored', async () => {
    const holder = new pg.Client({ connectionString: svc.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE workshop_events IN SHARE UPDATE EXCLUSIVE MODE');
      const newMonth = { id: randomUUID(), type: 'workshop_dashboard_accessed', workshop_id: randomUUID() };
      const [blocked, current] = await Promise.all([
        timedPost(svc.url, { ...newMonth, occurred_at: '2002-03-04T05:06:07Z' }),
        timedPost(svc.url, { id: randomUUID(), type: 'workshop_dashboard_accessed', workshop_id: randomUUID() }),
      ]);
      expect(current.status).toBe(202);
      expect(current.ms).toBeLessThan(1_000);
      expect(blocked).toMatchObject({ status: 503 });
      expect(blocked.retryAfter).not.toBeNull();
      expect(blocked.ms).toBeLessThan(10_000);
      await holder.query('ROLLBACK');
      // nothing of it was stored; sent again once the lock is gone, it is
      const again = await timedPost(svc.url, { ...newMonth, occurred_at: '2002-03-04T05:06:07Z' });
      expect(again.status).toBe(202);
    } finally {
      await holder.end();
    }
  });

  it('when an ingest statement runs past statement_timeout, then the store reports the database unavailable (503), not a defect', async () => {
    const shortPool = new pg.Pool({ connectionString: svc.databaseUrl, max: 1, options: '-c statement_timeout=300' });
    const holder = new pg.Client({ connectionString: svc.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE workshop_event_ids IN EXCLUSIVE MODE'); // blocks inserts, not reads
      const store = new EventStore(shortPool, 'drop');
      const failure = await store.insert([event(new Date().toISOString())]).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(StoreFailure);
      expect((failure as StoreFailure).kind).toBe('unavailable');
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
      await shortPool.end();
    }
  });

  it('the service pool bounds every statement (statement_timeout is set on its connections)', async () => {
    const r = await svc.pool.query<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(r.rows[0]!.statement_timeout).toBe('30s');
  });
});
