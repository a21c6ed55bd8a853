/**
 * The replay's incremental answer (`changed`: only the workshops that may have changed since the previous instant)
 * against its full one (`snapshot`: every workshop, recomputed): kept up to date with what `changed` reports, the
 * workshops are exactly the snapshot's at every instant — through events, invitations and sessions leaving their
 * 30-day windows and invitations reaching the TTL with no event at all.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { AsOfWorkshop } from '../../../src/backtest/as-of-gauges.js';
import type { ReplayEvent } from '../../../src/backtest/event-log-store.js';
import { GaugeReplay } from '../../../src/backtest/gauge-replay.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2026-03-01T00:00:00Z');
const WORKSHOPS = ['w1', 'w2', 'w3', 'w4'];
const INVITES = ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'];
const MECHANICS = ['m1', 'm2', 'm3'];

const TYPES: ReadonlyArray<[string, string]> = [
  ['workshop_signup_success', 'signup'],
  ['workshop_approved', 'approval'],
  ['workshop_rejected', 'approval'],
  ['workshop_suspended', 'approval'],
  ['workshop_reactivated', 'approval'],
  ['workshop_dashboard_accessed', 'activity'],
  ['session_completed', 'session'],
  ['mechanic_invited', 'invitation'],
  ['mechanic_invite_accepted', 'invitation'],
  ['mechanic_invite_expired', 'invitation'],
  ['mechanic_removed', 'mechanic'],
  ['email_approval_failed', 'email'],
  ['workshop_signup_started', 'signup'],
];

const event = fc
  .record({
    at: fc.integer({ min: 0, max: 60 * DAY }),
    type: fc.constantFrom(...TYPES),
    workshop: fc.constantFrom(...WORKSHOPS),
    invite: fc.constantFrom(...INVITES),
    mechanic: fc.constantFrom(...MECHANICS),
    capacity: fc.option(fc.integer({ min: 1, max: 9 })),
  })
  .map((e): Omit<ReplayEvent, 'id'> => ({
    atMs: START + e.at,
    type: e.type[0],
    category: e.type[1],
    workshopId: e.workshop,
    mechanicId: e.type[1] === 'invitation' || e.type[1] === 'mechanic' ? e.mechanic : null,
    inviteId: e.type[1] === 'invitation' ? e.invite : null,
    capacity: e.type[0] === 'workshop_signup_success' ? e.capacity : null,
  }));

const byId = (a: AsOfWorkshop, b: AsOfWorkshop) => (a.workshopId < b.workshopId ? -1 : 1);

it('changed() keeps every workshop as snapshot() computes it, at every instant', () => {
  fc.assert(
    fc.property(
      fc.array(event, { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 97, max: 12 * 60 }),
      fc.integer({ min: 0, max: 59 }),
      (drawn, stepMinutes, offsetMinutes) => {
        const events: ReplayEvent[] = drawn
          .map((e, i) => ({ ...e, id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }))
          .sort((a, b) => a.atMs - b.atMs || (a.id < b.id ? -1 : 1));
        const full = new GaugeReplay(7);
        const incremental = new GaugeReplay(7);
        const kept = new Map<string, AsOfWorkshop>();
        let next = 0;
        const stepMs = stepMinutes * 60_000;
        // a grid past the last event by more than the 30-day windows (so that everything leaves them), and the
        // instants where a window or the TTL is reached and passed by a millisecond
        const instants = new Set<number>();
        for (let t = START - DAY + offsetMinutes * 60_000; t < START + 95 * DAY; t += stepMs) instants.add(t);
        for (const e of events)
          for (const d of [0, 1, 7 * DAY - 1, 7 * DAY, 30 * DAY, 30 * DAY + 1]) instants.add(e.atMs + d);
        for (const t of [...instants].sort((a, b) => a - b)) {
          while (next < events.length && events[next]!.atMs <= t) {
            full.apply(events[next]!);
            incremental.apply(events[next++]!);
          }
          for (const w of incremental.changed(t)) kept.set(w.workshopId, w);
          const want = full.snapshot(t);
          // (compared as JSON: expect().toEqual at every instant of every run is too slow for the unit tier)
          const got = JSON.stringify({ workshops: [...kept.values()].sort(byId), rolling: incremental.rolling(t) });
          if (got !== JSON.stringify({ workshops: want.workshops, rolling: want.rolling }))
            expect(JSON.parse(got), new Date(t).toISOString()).toEqual({
              workshops: want.workshops,
              rolling: want.rolling,
            });
        }
      },
    ),
    { numRuns: 50 },
  );
});

it('changed() reports a workshop again only when an event or a window edge can change it', () => {
  const replay = new GaugeReplay(7);
  const ev = (atMs: number, type: string, category: string, inviteId: string | null = null): ReplayEvent => ({
    id: `00000000-0000-4000-8000-${String(atMs).padStart(12, '0').slice(-12)}`,
    atMs,
    type,
    category,
    workshopId: 'w1',
    mechanicId: null,
    inviteId,
    capacity: null,
  });
  replay.apply(ev(START, 'workshop_signup_success', 'signup'));
  replay.apply(ev(START + HOUR, 'workshop_approved', 'approval'));
  replay.apply(ev(START + 2 * HOUR, 'mechanic_invited', 'invitation', 'inv-1'));
  expect(replay.changed(START + 2 * HOUR).map((w) => w.invitesResolved30d)).toEqual([0]);
  // nothing happens until the open invitation reaches the 7-day TTL (resolved), then leaves the 30 days
  expect(replay.changed(START + 2 * HOUR + 7 * DAY - 1)).toEqual([]);
  expect(replay.changed(START + 2 * HOUR + 7 * DAY).map((w) => w.invitesResolved30d)).toEqual([1]);
  expect(replay.changed(START + 2 * HOUR + 30 * DAY)).toEqual([]);
  expect(replay.changed(START + 2 * HOUR + 30 * DAY + 1).map((w) => w.invitesResolved30d)).toEqual([0]);
  expect(replay.changed(START + 200 * DAY)).toEqual([]);
});
