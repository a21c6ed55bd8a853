/**
 * GaugeRefresher's incremental read, on an in-memory store: the rows of the workshops the store names as changed
 * replace theirs (a new workshop goes in workshop_id order, one without a row any more leaves), every other row is
 * kept as the same object unless its health score moved with the clock. (On real PostgreSQL, against full reads:
 * test/integration/gauge-refresh-incremental.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GaugeRefresher, type GaugeReads } from '../../../src/aggregate/gauge-refresher.js';
import type { WorkshopChanges, WorkshopRow } from '../../../src/aggregate/gauge-store.js';
import { NO_ROLLING, workshopRow } from '../../support/fakes/fake-gauge-store.js';

const DAY = 86_400_000;
const T = Date.parse('2026-06-01T00:00:00Z');
const fail = (_s: string, err: unknown) => {
  throw err;
};

/** A store whose rows and change list the test sets; records what each read asked for. */
class ChangingStore implements GaugeReads {
  rows = new Map<string, WorkshopRow>();
  changed: string[] = [];
  asked: Array<readonly string[] | undefined> = [];
  async snapshot() {
    return 'snap';
  }
  async changes(): Promise<WorkshopChanges> {
    const ids = this.changed;
    this.changed = [];
    return { snapshot: 'snap', all: false, ids };
  }
  async workshops(_nowMs: number, id?: string | readonly string[]) {
    const ids = typeof id === 'string' ? [id] : id;
    this.asked.push(ids);
    return [...this.rows.values()]
      .filter((w) => ids === undefined || ids.includes(w.workshopId))
      .sort((a, b) => (a.workshopId < b.workshopId ? -1 : 1))
      .map((w) => ({ ...w }));
  }
  async rolling() {
    return NO_ROLLING;
  }
  async jobs() {
    return [];
  }
}

const id = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
const NO_RESYNC = { resyncSlices: 0, maxGapMs: 3_600_000 };

describe('GaugeRefresher incremental read', () => {
  it('replaces changed rows, inserts new ones in order, drops vanished ones and keeps the others as they were', async () => {
    const store = new ChangingStore();
    for (const n of [1, 3, 5]) store.rows.set(id(n), workshopRow({ workshopId: id(n), capacity: n }));
    const r = new GaugeRefresher(store, fail, NO_RESYNC);
    await r.refresh(T);
    const [a, c] = r.snapshot.workshops;
    store.rows.set(id(2), workshopRow({ workshopId: id(2) }));
    store.rows.set(id(3), workshopRow({ workshopId: id(3), capacity: 33 }));
    store.rows.delete(id(5));
    store.changed = [id(2), id(3), id(5)];
    await r.refresh(T + 60_000);
    expect(store.asked.at(-1)).toEqual([id(2), id(3), id(5)]);
    expect(r.lastWorkshopsRead).toEqual({ kind: 'changes', rows: 2 });
    const after = r.snapshot.workshops;
    expect(after.map((w) => w.workshopId)).toEqual([id(1), id(2), id(3)]);
    expect(after[0]).toBe(a);
    expect(after[2]).not.toBe(c);
    expect(after[2]!.capacity).toBe(33);
  });

  it('gives an unchanged row a new object when its health score moves with the clock', async () => {
    const store = new ChangingStore();
    // last dashboard access 5 days ago: the login factor falls as days pass
    const w = workshopRow({ workshopId: id(1), lastDashboardAccessMs: T - 5 * DAY, capacity: 4, mechanicsActive: 2 });
    store.rows.set(w.workshopId, w);
    const r = new GaugeRefresher(store, fail, NO_RESYNC);
    await r.refresh(T);
    const first = r.snapshot.workshops[0]!;
    await r.refresh(T + 1000);
    expect(r.snapshot.workshops[0]).toBe(first);
    await r.refresh(T + 20 * DAY);
    expect(r.snapshot.workshops[0]).not.toBe(first);
    expect(r.snapshot.workshops[0]!.health!.score).toBeLessThan(first.health!.score);
  });

  it('whatever changes: the rows equal a full read of the store', async () => {
    const op = fc.record({ n: fc.integer({ min: 0, max: 40 }), kind: fc.constantFrom('set', 'delete') });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 20 }),
        fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 6 }),
        async (initial, rounds) => {
          const store = new ChangingStore();
          for (const n of initial) store.rows.set(id(n), workshopRow({ workshopId: id(n) }));
          const r = new GaugeRefresher(store, fail, NO_RESYNC);
          let t = T;
          await r.refresh(t);
          for (const [k, round] of rounds.entries()) {
            for (const { n, kind } of round) {
              if (kind === 'delete') store.rows.delete(id(n));
              else store.rows.set(id(n), workshopRow({ workshopId: id(n), capacity: k }));
              store.changed.push(id(n));
            }
            await r.refresh((t += 60_000));
            const full = new GaugeRefresher(store, fail);
            await full.refresh(t);
            expect(r.snapshot.workshops).toEqual(full.snapshot.workshops);
          }
        },
      ),
    );
  });
});
