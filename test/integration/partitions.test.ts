import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEvent, type NormalizedEvent } from '../../src/ingest/event-schema.js';
import { EventStore } from '../../src/ingest/event-store.js';
import { createTestDatabase } from '../support/database.js';

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
