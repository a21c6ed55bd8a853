/**
 * Keyset paging of GET /api/events is stable while events are stored: paging through a workshop's events while
 * new ones arrive — before, at and after the current page position, between pages and from a concurrent writer —
 * every event that existed at the start is seen exactly once, nothing is seen twice, and the order never goes back.
 * Also: positions finer than a millisecond (rows written by other means keep microseconds) page exactly.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../support/database.js';
import { ev, uuid } from '../support/events.js';
import { ADMIN_TOKEN, postEvents, startTestService } from '../support/service.js';

type TestService = Awaited<ReturnType<typeof startTestService>>;
interface Seen {
  id: string;
  occurred_at: string;
}

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService();
});

afterAll(async () => {
  await svc?.stop();
});

async function page(query: string): Promise<{ events: Seen[]; next_cursor: string | null }> {
  const res = await fetch(`${svc.url}/api/events?${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { events: Seen[]; next_cursor: string | null };
}

const BASE = Date.parse('2026-05-10T12:00:00.000Z');
/** 40 instants 1 ms apart: few enough that many events share an instant and only the id orders them. */
const instant = (k: number) => new Date(BASE + Math.max(0, Math.min(39, k))).toISOString();

async function store(workshop: string, instants: readonly number[]): Promise<string[]> {
  if (instants.length === 0) return [];
  const events = instants.map((k) =>
    ev('workshop_dashboard_accessed', { workshop_id: workshop, occurred_at: instant(k) }),
  );
  const r = await postEvents(svc.url, { events });
  expect(r.status, r.text).toBe(202);
  return events.map((e) => e.id as string);
}

const key = (e: Seen) => `${e.occurred_at} ${e.id}`;

describe('cursor paging while events are stored', () => {
  it('sees every event that existed at the start exactly once, in order, whatever arrives meanwhile', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 39 }), { minLength: 1, maxLength: 60 }),
        fc.array(
          fc.record({
            limit: fc.integer({ min: 1, max: 9 }),
            // stored after this page, relative to its last event's instant: before it, at it (ties), after it
            inserts: fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 6 }),
          }),
          { minLength: 1, maxLength: 80 },
        ),
        async (initial, steps) => {
          const w = uuid();
          const existing = new Set(await store(w, initial));
          // a concurrent writer, storing events anywhere in the range while the pages are read
          let writing = true;
          const writer = (async () => {
            for (let i = 0; writing && i < 50; i++) await store(w, [(i * 7) % 40, 39 - ((i * 3) % 40)]);
          })();
          const seen: Seen[] = [];
          let cursor: string | null = null;
          try {
            for (let i = 0; ; i++) {
              // inserts only during the first pass over the steps: a page of 1 followed by up to 6 inserts ahead of
              // it could otherwise outrun the reader forever (the end must come for the property to be checked)
              const { limit, inserts: planned } = steps[i % steps.length]!;
              const inserts = i < steps.length ? planned : [];
              const p = await page(`workshop_id=${w}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
              seen.push(...p.events);
              cursor = p.next_cursor;
              if (!cursor) break;
              const last = Date.parse(seen.at(-1)!.occurred_at) - BASE;
              await store(
                w,
                inserts.map((d) => last + d),
              );
            }
          } finally {
            writing = false;
            await writer;
          }
          const keys = seen.map(key);
          // never backwards, never twice
          for (let i = 1; i < keys.length; i++)
            expect(keys[i]! > keys[i - 1]!, `${keys[i - 1]} then ${keys[i]}`).toBe(true);
          const ids = seen.map((e) => e.id);
          expect(new Set(ids).size).toBe(ids.length);
          // everything that existed at the start, exactly once
          const missing = [...existing].filter((id) => !ids.includes(id));
          expect(missing).toEqual([]);
        },
      ),
      { numRuns: 8 },
    );
  }, 120_000);

  it('pages exactly through positions finer than a millisecond (rows stored with microseconds)', async () => {
    const w = uuid();
    const stamps = ['.000001', '.000002', '.000999', '.000999', '.001000', '.001001'].map(
      (f) => `2026-05-11T00:00:00${f}Z`,
    );
    const ids = stamps.map(() => uuid());
    await withClient(svc.databaseUrl, async (c) => {
      await c.query(`SELECT workshop_events_ensure_partition('2026-05-11T00:00:00Z')`);
      for (let i = 0; i < stamps.length; i++)
        await c.query(
          `INSERT INTO workshop_events (id, occurred_at, event_type, event_category, workshop_id)
           VALUES ($1, $2, 'workshop_dashboard_accessed', 'activity', $3)`,
          [ids[i], stamps[i], w],
        );
    });
    const want = stamps
      .map((s, i) => ({ occurred_at: s, id: ids[i]! }))
      .sort((a, b) => (key(a) < key(b) ? -1 : 1))
      .map((e) => [e.occurred_at, e.id]);
    const got: string[][] = [];
    let cursor: string | null = null;
    do {
      const p = await page(`workshop_id=${w}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      got.push(...p.events.map((e) => [e.occurred_at, e.id]));
      cursor = p.next_cursor;
    } while (cursor);
    expect(got).toEqual(want);
    // from is inclusive and to exclusive to the microsecond
    const inRange = await page(`workshop_id=${w}&from=2026-05-11T00:00:00.000999Z&to=2026-05-11T00:00:00.001001Z`);
    expect(inRange.events.map((e) => e.occurred_at)).toEqual([
      '2026-05-11T00:00:00.000999Z',
      '2026-05-11T00:00:00.000999Z',
      '2026-05-11T00:00:00.001000Z',
    ]);
  });
});
