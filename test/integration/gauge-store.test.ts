/**
 * GaugeStore.workshops on real PostgreSQL: the per-workshop inputs of the live gauges, read as four concurrent
 * reads joined by workshop_id, against values worked out by hand from the rows written here (microsecond
 * timestamps, NULLs, the 30/60-day and invitation TTL windows, a workshop with no data, narrowing to one id).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GaugeStore, type WorkshopRow } from '../../src/aggregate/gauge-store.js';
import { validateEvent } from '../../src/ingest/event-schema.js';
import { EventStore } from '../../src/ingest/event-store.js';
import { createTestDatabase } from '../support/database.js';

const T = Date.parse('2026-03-15T12:00:00Z');
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const W1 = '10000000-0000-4000-8000-000000000001';
const W2 = '20000000-0000-4000-8000-000000000002';
const W3 = '30000000-0000-4000-8000-000000000003';
const EVENT = '90000000-0000-4000-8000-000000000009';

let pool: pg.Pool;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase(), max: 4 });
  // W3 first: rows are written out of workshop_id order
  await pool.query(`INSERT INTO workshops (workshop_id) VALUES ($1)`, [W3]);
  await pool.query(
    `INSERT INTO workshops (workshop_id, name, city, region, submitted_at, approved_at, last_dashboard_access_at,
                            capacity, profile_completeness)
     VALUES ($1, 'Shop "1"', 'Toronto', NULL, '2026-03-01 10:00:00.123456+00', '2026-03-02 00:00:00.999999+00',
             '2026-03-15 11:59:59.000500+00', 5, 80.5),
            ($2, NULL, NULL, 'GTA', '2026-03-14 08:30:00+00', NULL, NULL, NULL, NULL)`,
    [W1, W2],
  );
  await pool.query(
    `INSERT INTO mechanics (workshop_id, mechanic_id, last_event, last_event_at, last_event_id)
     VALUES ($1, gen_random_uuid(), 'mechanic_invite_accepted', now(), $2),
            ($1, gen_random_uuid(), 'mechanic_removed', now(), $2)`,
    [W1, EVENT],
  );
  const invite = (id: string, sentMs: number, accepted: boolean, expired = false) =>
    pool.query(
      `INSERT INTO invitations (invite_id, workshop_id, first_at, first_event_id, sent_at, accepted_at, expired_at)
       VALUES ($1, $2, $3, $4, $3, CASE WHEN $5 THEN $3::timestamptz + interval '1 hour' END,
               CASE WHEN $6 THEN $3::timestamptz + interval '7 days' END)`,
      [id, W1, iso(sentMs), EVENT, accepted, expired],
    );
  await invite('i1', T - DAY, true); // sent, accepted, resolved
  await invite('i2', T - 10 * DAY, false); // sent; older than the 7-day TTL: resolved
  await invite('i3', T - 2 * DAY, false); // sent; still open
  await invite('i4', T - 3 * DAY, false, true); // sent; expired: resolved
  await invite('i5', T - 40 * DAY, true); // before the 30 days: not counted
  await invite('i6', T + 3_600_000, false); // after now: not read at all
  // the latest invitation sent before now, with microseconds (truncated to the millisecond, as a Date would be)
  await pool.query(`UPDATE invitations SET sent_at = sent_at + interval '0.000700 seconds' WHERE invite_id = 'i1'`);
  const session = (ms: number, cents: number) => ({
    type: 'session_completed',
    workshop_id: W1,
    occurred_at: iso(ms),
    metadata: { revenue_cents: cents },
  });
  const raws = [
    session(T - 5 * DAY, 1000),
    session(T - 29 * DAY, 500),
    session(T - 45 * DAY, 250), // the 30 days before
    session(T - 70 * DAY, 999), // before the 60 days: not read
    session(T + 3_600_000, 777), // after now: not read
  ];
  await new EventStore(pool, 'store').insert(
    raws.map((raw, i) => {
      const r = validateEvent(raw, i, { ipMode: 'store', nowMs: T + 2 * 3_600_000 });
      if (!('event' in r)) throw new Error(JSON.stringify(r.problems));
      return r.event;
    }),
  );
});

afterAll(async () => {
  await pool?.end();
});

const w1: WorkshopRow = {
  workshopId: W1,
  name: 'Shop "1"',
  city: 'Toronto',
  region: null,
  status: 'active',
  submittedAtMs: Date.parse('2026-03-01T10:00:00.123Z'),
  approvedAtMs: Date.parse('2026-03-02T00:00:00.999Z'),
  lastDashboardAccessMs: Date.parse('2026-03-15T11:59:59.000Z'),
  capacity: 5,
  profileCompleteness: 80.5,
  mechanicsActive: 1,
  mechanicsJoined: 2,
  invitesSent30d: 4,
  invitesAccepted30d: 1,
  invitesResolved30d: 3,
  lastInviteMs: T - DAY, // + 0.7 ms, truncated
  sessions30d: 2,
  revenue30dCents: 1500,
  revenuePrev30dCents: 250,
};
const empty = {
  mechanicsActive: 0,
  mechanicsJoined: 0,
  invitesSent30d: 0,
  invitesAccepted30d: 0,
  invitesResolved30d: 0,
  lastInviteMs: null,
  sessions30d: 0,
  revenue30dCents: 0,
  revenuePrev30dCents: 0,
};
const w2: WorkshopRow = {
  workshopId: W2,
  name: null,
  city: null,
  region: 'GTA',
  status: 'pending',
  submittedAtMs: Date.parse('2026-03-14T08:30:00Z'),
  approvedAtMs: null,
  lastDashboardAccessMs: null,
  capacity: null,
  profileCompleteness: null,
  ...empty,
};
const w3: WorkshopRow = {
  workshopId: W3,
  name: null,
  city: null,
  region: null,
  status: null,
  submittedAtMs: null,
  approvedAtMs: null,
  lastDashboardAccessMs: null,
  capacity: null,
  profileCompleteness: null,
  ...empty,
};

describe('GaugeStore.workshops', () => {
  it('reads every workshop in workshop_id order with its mechanics, invitations and sessions of the windows', async () => {
    expect(await new GaugeStore(pool, 7).workshops(T)).toEqual([w1, w2, w3]);
  });

  it('narrows to one workshop by id, and to none for an unknown id', async () => {
    const store = new GaugeStore(pool, 7);
    expect(await store.workshops(T, W1)).toEqual([w1]);
    expect(await store.workshops(T, W3)).toEqual([w3]);
    expect(await store.workshops(T, '40000000-0000-4000-8000-000000000004')).toEqual([]);
  });

  it('counts an open invitation as resolved once it is older than the TTL it is given', async () => {
    // with a 1-day TTL, i3 (2 days old) is resolved too
    const [row] = await new GaugeStore(pool, 1).workshops(T, W1);
    expect(row!.invitesResolved30d).toBe(4);
  });
});
