import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LIFECYCLE_TYPES,
  sweepStates,
  type LifecycleEvent,
  type StateSnapshot,
} from '../../../src/aggregate/state-sweep.js';

const W1 = 'w1';
const W2 = 'w2';
const ev = (type: string, atMs: number, workshopId = W1, mechanicId: string | null = null): LifecycleEvent => ({
  type,
  workshopId,
  mechanicId,
  atMs,
});
const zero: StateSnapshot = {
  pending: 0,
  active: 0,
  suspended: 0,
  withMechanics: 0,
  mechanicsActive: 0,
  over3Mechanics: 0,
};
const state = (s: Partial<StateSnapshot>): StateSnapshot => ({ ...zero, ...s });

/**
 * Reference: the state at `end` read declaratively from the events before it — a workshop is active when it was
 * ever approved and the last of approved/suspended/reactivated is not a suspension; a mechanic is active when
 * the last of its accepted/removed events at that workshop is an acceptance.
 */
function referenceState(events: readonly LifecycleEvent[], end: number): StateSnapshot {
  const before = events.filter((e) => e.atMs < end); // in input order, which is (time, id) order
  const out = { ...zero };
  for (const w of new Set(before.map((e) => e.workshopId))) {
    const mine = before.filter((e) => e.workshopId === w);
    const has = (t: string) => mine.some((e) => e.type === t);
    if (!has('workshop_approved')) {
      if (has('workshop_signup_success') && !has('workshop_rejected')) out.pending++;
      continue;
    }
    const standing = mine.filter((e) =>
      ['workshop_approved', 'workshop_suspended', 'workshop_reactivated'].includes(e.type),
    );
    if (standing[standing.length - 1]!.type === 'workshop_suspended') {
      out.suspended++;
      continue;
    }
    out.active++;
    const mechanics = new Set(mine.filter((e) => e.mechanicId !== null).map((e) => e.mechanicId));
    let n = 0;
    for (const m of mechanics) {
      const last = mine
        .filter((e) => e.mechanicId === m && ['mechanic_invite_accepted', 'mechanic_removed'].includes(e.type))
        .pop();
      if (last?.type === 'mechanic_invite_accepted') n++;
    }
    out.mechanicsActive += n;
    if (n > 0) out.withMechanics++;
  }
  return out;
}

describe('sweepStates', () => {
  it('when nothing happened, then every window is all zeros; no ends give no snapshots', () => {
    expect(sweepStates([], [10, 20])).toEqual([zero, zero]);
    expect(sweepStates([ev('workshop_signup_success', 1)], [])).toEqual([]);
  });

  it('follows a workshop from signup (pending) to approved (active), suspended, and reactivated (active)', () => {
    const events = [
      ev('workshop_signup_success', 10),
      ev('workshop_approved', 20),
      ev('workshop_suspended', 30),
      ev('workshop_reactivated', 40),
    ];
    expect(sweepStates(events, [15, 25, 35, 45])).toEqual([
      state({ pending: 1 }),
      state({ active: 1 }),
      state({ suspended: 1 }),
      state({ active: 1 }),
    ]);
  });

  it('an event at exactly a window end belongs to the next window', () => {
    const events = [ev('workshop_signup_success', 100), ev('workshop_approved', 200)];
    expect(sweepStates(events, [100, 101, 200, 201])).toEqual([
      zero,
      state({ pending: 1 }),
      state({ pending: 1 }),
      state({ active: 1 }),
    ]);
  });

  it('when an application is rejected, then it is neither pending nor active', () => {
    expect(sweepStates([ev('workshop_signup_success', 1), ev('workshop_rejected', 2)], [3])).toEqual([zero]);
  });

  it('a workshop approved without a recorded signup is active; one only suspended (never approved) is nothing', () => {
    expect(sweepStates([ev('workshop_approved', 1, W1), ev('workshop_suspended', 2, W2)], [3])).toEqual([
      state({ active: 1 }),
    ]);
  });

  it('a new approval lifts an earlier suspension', () => {
    const events = [ev('workshop_approved', 1), ev('workshop_suspended', 2), ev('workshop_approved', 3)];
    expect(sweepStates(events, [3, 4])).toEqual([state({ suspended: 1 }), state({ active: 1 })]);
  });

  it('counts each active mechanic once however often its acceptance is repeated, and not after removal', () => {
    const events = [
      ev('workshop_approved', 1),
      ev('mechanic_invite_accepted', 2, W1, 'm1'),
      ev('mechanic_invite_accepted', 3, W1, 'm1'),
      ev('mechanic_invite_accepted', 4, W1, 'm2'),
      ev('mechanic_removed', 5, W1, 'm1'),
      ev('mechanic_removed', 6, W1, 'm2'),
    ];
    expect(sweepStates(events, [4, 5, 6, 7])).toEqual([
      state({ active: 1, withMechanics: 1, mechanicsActive: 1, over3Mechanics: 0 }),
      state({ active: 1, withMechanics: 1, mechanicsActive: 2, over3Mechanics: 0 }),
      state({ active: 1, withMechanics: 1, mechanicsActive: 1, over3Mechanics: 0 }),
      state({ active: 1 }),
    ]);
  });

  it('a removal of a mechanic who never joined does not make the count negative', () => {
    const events = [
      ev('workshop_approved', 1),
      ev('mechanic_removed', 2, W1, 'm1'),
      ev('mechanic_removed', 3, W1, 'm1'),
    ];
    expect(sweepStates(events, [4])).toEqual([state({ active: 1 })]);
  });

  it('mechanic events without a mechanic id are ignored', () => {
    const events = [ev('workshop_approved', 1), ev('mechanic_invite_accepted', 2, W1, null)];
    expect(sweepStates(events, [3])).toEqual([state({ active: 1 })]);
  });

  it('the same mechanic id at two workshops counts at each', () => {
    const events = [
      ev('workshop_approved', 1, W1),
      ev('workshop_approved', 1, W2),
      ev('mechanic_invite_accepted', 2, W1, 'm1'),
      ev('mechanic_invite_accepted', 2, W2, 'm1'),
      ev('mechanic_removed', 3, W2, 'm1'),
    ];
    expect(sweepStates(events, [3, 4])).toEqual([
      state({ active: 2, withMechanics: 2, mechanicsActive: 2, over3Mechanics: 0 }),
      state({ active: 2, withMechanics: 1, mechanicsActive: 1, over3Mechanics: 0 }),
    ]);
  });

  it('mechanics of a pending or suspended workshop are not counted until it is active', () => {
    const events = [
      ev('workshop_signup_success', 1),
      ev('mechanic_invite_accepted', 2, W1, 'm1'),
      ev('workshop_approved', 3),
      ev('workshop_suspended', 4),
      ev('workshop_reactivated', 5),
    ];
    expect(sweepStates(events, [3, 4, 5, 6])).toEqual([
      state({ pending: 1 }),
      state({ active: 1, withMechanics: 1, mechanicsActive: 1, over3Mechanics: 0 }),
      state({ suspended: 1 }),
      state({ active: 1, withMechanics: 1, mechanicsActive: 1, over3Mechanics: 0 }),
    ]);
  });

  it('at equal times the input order (the store sorts ties by event id) decides', () => {
    const suspendThenReactivate = [
      ev('workshop_approved', 1),
      ev('workshop_suspended', 2),
      ev('workshop_reactivated', 2),
    ];
    const reactivateThenSuspend = [
      ev('workshop_approved', 1),
      ev('workshop_reactivated', 2),
      ev('workshop_suspended', 2),
    ];
    expect(sweepStates(suspendThenReactivate, [3])).toEqual([state({ active: 1 })]);
    expect(sweepStates(reactivateThenSuspend, [3])).toEqual([state({ suspended: 1 })]);
  });

  it('event types outside the lifecycle change nothing', () => {
    expect(sweepStates([ev('workshop_dashboard_accessed', 1), ev('mechanic_invited', 2, W1, 'm1')], [3])).toEqual([
      zero,
    ]);
  });

  describe('properties', () => {
    const lifecycleEvents = fc
      .uniqueArray(
        fc.record({
          atMs: fc.integer({ min: 0, max: 1000 }),
          type: fc.constantFrom(...LIFECYCLE_TYPES),
          workshopId: fc.constantFrom('w1', 'w2', 'w3'),
          mechanicId: fc.constantFrom('m1', 'm2', null),
        }),
        { selector: (e) => e.atMs, maxLength: 40 },
      )
      .map((events) => [...events].sort((a, b) => a.atMs - b.atMs));
    const ends = fc
      .uniqueArray(fc.integer({ min: 0, max: 1100 }), { maxLength: 8 })
      .map((e) => [...e].sort((a, b) => a - b));

    it('every snapshot equals the declarative state of the events before its end', () => {
      fc.assert(
        fc.property(lifecycleEvents, ends, (events, endList) => {
          expect(sweepStates(events, endList)).toEqual(endList.map((end) => referenceState(events, end)));
        }),
      );
    });

    it('workshops do not affect each other: however their events interleave at equal times, the sum of each alone', () => {
      const workshop = (id: string) =>
        fc
          .uniqueArray(
            fc.record({
              atMs: fc.integer({ min: 0, max: 30 }),
              type: fc.constantFrom(...LIFECYCLE_TYPES),
              mechanicId: fc.constantFrom('m1', 'm2', null),
            }),
            { selector: (e) => e.atMs, maxLength: 12 },
          )
          .map((es) => es.map((e) => ({ ...e, workshopId: id })).sort((a, b) => a.atMs - b.atMs));
      const byTime = (lists: LifecycleEvent[][]) => lists.flat().sort((a, b) => a.atMs - b.atMs); // a stable sort
      const add = (a: StateSnapshot, b: StateSnapshot): StateSnapshot => ({
        pending: a.pending + b.pending,
        active: a.active + b.active,
        suspended: a.suspended + b.suspended,
        withMechanics: a.withMechanics + b.withMechanics,
        mechanicsActive: a.mechanicsActive + b.mechanicsActive,
        over3Mechanics: a.over3Mechanics + b.over3Mechanics,
      });
      const endsUpTo35 = fc
        .uniqueArray(fc.integer({ min: 0, max: 35 }), { maxLength: 6 })
        .map((e) => e.sort((a, b) => a - b));
      fc.assert(
        fc.property(fc.tuple(workshop('w1'), workshop('w2'), workshop('w3')), endsUpTo35, (lists, endList) => {
          const alone = lists.map((l) => sweepStates(l, endList));
          const sum = endList.map((_, k) => alone.map((snaps) => snaps[k]!).reduce(add, zero));
          expect(sweepStates(byTime(lists), endList)).toEqual(sum);
          expect(sweepStates(byTime([...lists].reverse()), endList)).toEqual(sum);
        }),
      );
    });

    it('a window’s snapshot does not depend on which other windows are computed with it', () => {
      fc.assert(
        fc.property(lifecycleEvents, ends, (events, endList) => {
          const together = sweepStates(events, endList);
          endList.forEach((end, i) => expect(sweepStates(events, [end])[0]).toEqual(together[i]));
        }),
      );
    });

    it('counts are never negative and workshops with mechanics never exceed active workshops', () => {
      fc.assert(
        fc.property(lifecycleEvents, ends, (events, endList) => {
          for (const s of sweepStates(events, endList)) {
            expect(Math.min(...Object.values(s))).toBeGreaterThanOrEqual(0);
            expect(s.withMechanics).toBeLessThanOrEqual(s.active);
            expect(s.withMechanics).toBeLessThanOrEqual(s.mechanicsActive);
          }
        }),
      );
    });
  });
});
