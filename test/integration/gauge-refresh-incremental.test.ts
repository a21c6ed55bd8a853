/**
 * The incremental gauge refresh on real PostgreSQL: after its first full read, a GaugeRefresher reads only the
 * workshops named by workshop_changes marks its last snapshot did not see, and those with an invitation or session
 * crossing a window edge (30 and 60 days, the invitation TTL, now). Its rows must equal a full read at every instant:
 * - a property over generated programmes delivered late and out of order, with the clock moving by minutes and by
 *   weeks across every window edge, and no resync slice (the marks and edges alone must be right);
 * - a flush still in progress while a refresh reads, committed after it (found by transaction, not by time);
 * - the exact write path (a retried flush), rebuild-projections and retention (every workshop read again);
 * - pruning of old marks, the resync slice (a write that bypassed the marks) and the gap after which it reads all.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GaugeRefresher, type ReadPolicy } from '../../src/aggregate/gauge-refresher.js';
import { GaugeStore } from '../../src/aggregate/gauge-store.js';
import { validateEvent, type NormalizedEvent } from '../../src/ingest/event-schema.js';
import { EventStore } from '../../src/ingest/event-store.js';
import { dropEventPartitionsBefore } from '../../src/ingest/partition-retention-store.js';
import { createTestDatabase } from '../support/database.js';
import { generateScenario, prng, type RawEvent } from '../support/scenario.js';

const MIN = 60_000;
const DAY = 86_400_000;
const TTL_DAYS = 7;
const fail = (_source: string, err: unknown) => {
  throw err;
};
const NO_RESYNC: ReadPolicy = { resyncSlices: 0, maxGapMs: 3_600_000 };

const normalize = (raws: readonly object[], nowMs: number): NormalizedEvent[] =>
  raws.map((raw, i) => {
    const r = validateEvent(raw, i, { ipMode: 'store', nowMs });
    if (!('event' in r)) throw new Error(`invalid event ${JSON.stringify(raw)}: ${JSON.stringify(r.problems)}`);
    return r.event;
  });

/** The rows (with health) a refresher reading every workshop at `nowMs` has. */
async function fullRead(store: GaugeStore, nowMs: number) {
  const r = new GaugeRefresher(store, fail);
  expect(await r.refresh(nowMs)).toBe(true);
  expect(r.lastWorkshopsRead?.kind).toBe('full');
  return r.snapshot.workshops;
}

describe('incremental gauge refresh equals a full read', () => {
  it('over generated programmes delivered late and out of order, at instants across every window edge', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        // minutes to the next refresh, or 'ahead': just before the next event (delivered early: clocks run fast)
        fc.array(fc.constantFrom(1, 7, 37, 240, 1_440, 7 * 1_440, 23 * 1_440, 'ahead' as const), {
          minLength: 6,
          maxLength: 12,
        }),
        async (seed, steps) => {
          const pool = new pg.Pool({ connectionString: await createTestDatabase(), max: 4 });
          try {
            const startMs = Date.parse('2026-03-02T00:00:00Z');
            const { events } = generateScenario(seed, '2026-03-02T00:00:00Z', 10);
            const r = prng(seed ^ 0x5eed);
            // a fifth of the events arrive late: one to four deliveries after they happened
            const delay = new Map(events.map((e) => [e, r.chance(0.2) ? r.int(1, 4) : 0]));
            const sent = new Set<RawEvent>();
            const eventStore = new EventStore(pool, 'store');
            const gauges = new GaugeStore(pool, TTL_DAYS);
            const incremental = new GaugeRefresher(gauges, fail, NO_RESYNC);
            // the clock: through the programme, then on across the 30- and 60-day edges of its events
            let t = startMs + DAY;
            const instants = [t];
            const windowed = events
              .filter((e) => e.type === 'session_completed' || e.type === 'mechanic_invited')
              .map((e) => Date.parse(e.occurred_at));
            for (const step of steps) {
              const next = Math.min(...windowed.filter((at) => at > t + 5 * MIN));
              t =
                step === 'ahead' && Number.isFinite(next)
                  ? next - r.int(1, 4 * MIN) // delivered at t, dated after it: it enters the window later
                  : t + (step === 'ahead' ? 1 : step) * MIN + r.int(0, 59_999);
              instants.push(t);
            }
            let reads = 0;
            for (const [k, nowMs] of instants.entries()) {
              // what has happened by now (up to 5 minutes ahead: clients' clocks run fast), late ones held back
              const due = events.filter(
                (e) => !sent.has(e) && Date.parse(e.occurred_at) <= nowMs + 5 * MIN && delay.get(e)! <= k,
              );
              for (let i = 0; i < due.length; i += 50) await eventStore.insert(normalize(due.slice(i, i + 50), nowMs));
              due.forEach((e) => sent.add(e));
              expect(await incremental.refresh(nowMs)).toBe(true);
              expect(incremental.snapshot.workshops).toEqual(await fullRead(gauges, nowMs));
              if (k > 0) {
                expect(incremental.lastWorkshopsRead?.kind).toBe('changes');
                reads += incremental.lastWorkshopsRead!.rows;
              }
            }
            // it read fewer rows than reading everything at every instant would have
            expect(reads).toBeLessThan(incremental.snapshot.workshops.length * (instants.length - 1));
          } finally {
            await pool.end();
          }
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe('incremental gauge refresh: what it reads again', () => {
  let pool: pg.Pool;
  let eventStore: EventStore;
  let gauges: GaugeStore;
  const T = Date.parse('2026-05-04T12:00:00Z');
  const W = ['a1000000-0000-4000-8000-000000000001', 'b2000000-0000-4000-8000-000000000002'] as const;
  const send = (raws: object[], nowMs = T) => eventStore.insert(normalize(raws, nowMs));
  const access = (w: string, atMs: number) => ({
    type: 'workshop_dashboard_accessed',
    workshop_id: w,
    occurred_at: new Date(atMs).toISOString(),
    duration_ms: 10,
  });

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await createTestDatabase(), max: 4 });
    eventStore = new EventStore(pool, 'store');
    gauges = new GaugeStore(pool, TTL_DAYS);
    for (const w of W) {
      await send([
        {
          type: 'workshop_signup_success',
          workshop_id: w,
          occurred_at: new Date(T - 9 * DAY).toISOString(),
          metadata: { name: `Shop ${w.slice(0, 2)}`, city: 'Toronto' },
        },
        {
          type: 'workshop_approved',
          workshop_id: w,
          admin_id: 'ad000000-0000-4000-8000-00000000000a',
          occurred_at: new Date(T - 8 * DAY).toISOString(),
        },
      ]);
    }
    // May's partition exists before a test holds a flush open in a transaction (creating it there would lock)
    await send([access(W[1], T - 2 * 3_600_000)]);
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('finds a flush that was in progress during a refresh once it commits, whatever its time', async () => {
    const r = new GaugeRefresher(gauges, fail, NO_RESYNC);
    await r.refresh(T);
    // the flush starts (and takes its time) before the next refresh and commits after it
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await new EventStore(client as unknown as pg.Pool, 'store').insert(normalize([access(W[0], T - MIN)], T));
      // a later flush commits first: the snapshot then lists the one in progress below its xmax
      await send([access(W[1], T - 2 * MIN)]);
      await r.refresh(T + MIN);
      expect(r.lastWorkshopsRead).toEqual({ kind: 'changes', rows: 1 });
      expect(r.snapshot.workshops.find((w) => w.workshopId === W[0])?.lastDashboardAccessMs).not.toBe(T - MIN);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await r.refresh(T + 2 * MIN);
    expect(r.lastWorkshopsRead).toEqual({ kind: 'changes', rows: 1 });
    expect(r.snapshot.workshops.find((w) => w.workshopId === W[0])?.lastDashboardAccessMs).toBe(T - MIN);
    expect(r.snapshot.workshops).toEqual(await fullRead(gauges, T + 2 * MIN));
  });

  it('keeps the row objects of workshops that did not change', async () => {
    const r = new GaugeRefresher(gauges, fail, NO_RESYNC);
    await r.refresh(T + 3 * MIN);
    const before = r.snapshot.workshops;
    await send([access(W[1], T + 3 * MIN)], T + 4 * MIN);
    await r.refresh(T + 4 * MIN);
    const after = r.snapshot.workshops;
    expect(after).not.toBe(before);
    expect(after.find((w) => w.workshopId === W[0])).toBe(before.find((w) => w.workshopId === W[0]));
    expect(after.find((w) => w.workshopId === W[1])).not.toBe(before.find((w) => w.workshopId === W[1]));
  });

  it('marks the workshops of a retried flush (the exact write path)', async () => {
    const r = new GaugeRefresher(gauges, fail, NO_RESYNC);
    await r.refresh(T + 5 * MIN);
    const [stored] = normalize([access(W[0], T + 5 * MIN)], T + 5 * MIN);
    await eventStore.insert([stored!]);
    await r.refresh(T + 5 * MIN);
    const writes = eventStore.writes.exact;
    // the same event again with a new one of the other workshop: some id was stored, so the exact statement runs
    await eventStore.insert([stored!, ...normalize([access(W[1], T + 5 * MIN + 1)], T + 6 * MIN)]);
    expect(eventStore.writes.exact).toBe(writes + 1);
    await r.refresh(T + 6 * MIN);
    expect(r.lastWorkshopsRead?.kind).toBe('changes');
    expect(r.snapshot.workshops.find((w) => w.workshopId === W[1])?.lastDashboardAccessMs).toBe(T + 5 * MIN + 1);
    expect(r.snapshot.workshops).toEqual(await fullRead(gauges, T + 6 * MIN));
  });

  it('reads every workshop after rebuild-projections', async () => {
    const r = new GaugeRefresher(gauges, fail, NO_RESYNC);
    await r.refresh(T + 7 * MIN);
    // a projection edited by hand is put right by the rebuild; no flush marks it
    await pool.query(`UPDATE workshops SET name = 'edited by hand' WHERE workshop_id = $1`, [W[1]]);
    await r.refresh(T + 8 * MIN);
    expect(r.lastWorkshopsRead).toEqual({ kind: 'changes', rows: 0 });
    await eventStore.rebuildProjections();
    await r.refresh(T + 9 * MIN);
    expect(r.lastWorkshopsRead?.kind).toBe('full');
    expect(r.snapshot.workshops.find((w) => w.workshopId === W[1])?.name).not.toBe('edited by hand');
    expect(r.snapshot.workshops).toEqual(await fullRead(gauges, T + 9 * MIN));
  });

  it('reads every workshop after retention dropped event partitions, and not when it dropped none', async () => {
    const r = new GaugeRefresher(gauges, fail, NO_RESYNC);
    await r.refresh(T + 10 * MIN);
    await dropEventPartitionsBefore(pool, '2025-01-01T00:00:00.000Z'); // nothing that old
    await r.refresh(T + 11 * MIN);
    expect(r.lastWorkshopsRead?.kind).toBe('changes');
    // a session in the 60 days whose partition retention drops (one month of retention)
    await send([
      {
        type: 'session_completed',
        workshop_id: W[0],
        occurred_at: new Date(T - 40 * DAY).toISOString(),
        metadata: { revenue_cents: 5000 },
      },
    ]);
    await r.refresh(T + 12 * MIN);
    expect(r.snapshot.workshops.find((w) => w.workshopId === W[0])?.revenuePrev30dCents).toBe(5000);
    const { dropped } = await dropEventPartitionsBefore(pool, '2026-04-01T00:00:00.000Z');
    expect(dropped).toContain('workshop_events_2026_03');
    await r.refresh(T + 13 * MIN);
    expect(r.lastWorkshopsRead?.kind).toBe('full');
    expect(r.snapshot.workshops.find((w) => w.workshopId === W[0])?.revenuePrev30dCents).toBe(0);
  });

  it('reads a slice of the known workshops at every refresh: a write that bypassed the marks is read in time', async () => {
    const r = new GaugeRefresher(gauges, fail, { resyncSlices: 2, maxGapMs: 3_600_000 });
    await r.refresh(T + 14 * MIN);
    await pool.query(`UPDATE workshops SET capacity = 42 WHERE workshop_id = ANY($1)`, [[...W]]);
    const capacities = async (nowMs: number) => {
      await r.refresh(nowMs);
      expect(r.lastWorkshopsRead).toEqual({ kind: 'changes', rows: 1 });
      return W.map((id) => r.snapshot.workshops.find((w) => w.workshopId === id)?.capacity);
    };
    const first = await capacities(T + 15 * MIN);
    expect(first.filter((c) => c === 42)).toHaveLength(1);
    expect(await capacities(T + 16 * MIN)).toEqual([42, 42]);
  });

  it('reads every workshop when its last read is older than the gap allowed, or the clock went back', async () => {
    const r = new GaugeRefresher(gauges, fail, { resyncSlices: 0, maxGapMs: 0 });
    await r.refresh(T + 17 * MIN);
    await r.refresh(T + 18 * MIN);
    expect(r.lastWorkshopsRead?.kind).toBe('full');
    const back = new GaugeRefresher(gauges, fail, NO_RESYNC);
    await back.refresh(T + 19 * MIN);
    await back.refresh(T + 18 * MIN);
    expect(back.lastWorkshopsRead?.kind).toBe('full');
  });

  it('prunes marks older than the age given, and only those', async () => {
    await send([access(W[0], T + 20 * MIN)], T + 20 * MIN);
    await pool.query(`INSERT INTO workshop_changes (workshop_ids, marked_at) VALUES ($1, now() - interval '3 hours')`, [
      [W[1]],
    ]);
    const before = Number((await pool.query('SELECT count(*) AS n FROM workshop_changes')).rows[0].n);
    expect(await gauges.pruneChanges(2 * 3_600_000)).toBe(1);
    const after = Number((await pool.query('SELECT count(*) AS n FROM workshop_changes')).rows[0].n);
    expect(after).toBe(before - 1);
    expect(
      (await pool.query(`SELECT count(*)::int AS n FROM workshop_changes WHERE marked_at < now() - interval '2 hours'`))
        .rows[0].n,
    ).toBe(0);
  });
});
