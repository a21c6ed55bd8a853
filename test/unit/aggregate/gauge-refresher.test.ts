import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JobRow, RollingCounts, WorkshopRow } from '../../../src/aggregate/gauge-store.js';
import { GaugeRefresher, type GaugeReads, type GaugeSource } from '../../../src/aggregate/gauge-refresher.js';
import { NO_ROLLING, workshopRow } from '../../support/fakes/fake-gauge-store.js';

/**
 * An in-memory gauge store whose reads the test finishes by hand. A read sees the rows as they are when the
 * read starts (as a PostgreSQL statement sees its snapshot) and answers when the test calls `finishReads()`.
 */
class FakeGaugeStore implements GaugeReads {
  /** The "database": one pending workshop per write. */
  rows: WorkshopRow[] = [];
  /** Reads started and not yet answered. */
  private open: Array<() => void> = [];
  /** Every refresh run, in order: the rows its workshops read saw, and the nowMs it was given. */
  readonly runs: Array<{ rowsSeen: number; nowMs: number }> = [];
  /** The most workshops reads in flight at once (each run makes exactly one). */
  maxConcurrentRuns = 0;
  private workshopReadsInFlight = 0;

  write(): void {
    const n = this.rows.length + 1;
    this.rows = [...this.rows, workshop(`10000000-0000-4000-8000-${String(n).padStart(12, '0')}`)];
  }

  get readsOpen(): number {
    return this.open.length;
  }

  finishReads(): void {
    this.open.splice(0).forEach((answer) => answer());
  }

  workshops(nowMs: number): Promise<WorkshopRow[]> {
    const seen = this.rows;
    this.runs.push({ rowsSeen: seen.length, nowMs });
    this.maxConcurrentRuns = Math.max(this.maxConcurrentRuns, ++this.workshopReadsInFlight);
    return this.answerLater(seen).finally(() => this.workshopReadsInFlight--);
  }

  rolling(): Promise<RollingCounts> {
    return this.answerLater({ ...NO_ROLLING, signupsCompleted24h: this.rows.length });
  }

  jobs(): Promise<JobRow[]> {
    return this.answerLater([]);
  }

  private answerLater<T>(value: T): Promise<T> {
    return new Promise((resolve) => this.open.push(() => resolve(value)));
  }
}

/** A pending workshop submitted at the epoch (the refresher's tests only count them). */
const workshop = (workshopId: string): WorkshopRow =>
  workshopRow({ workshopId, name: 'W', status: 'pending', submittedAtMs: 0 });

/** Lets every pending promise callback run (the refresher chains a few). */
const settle = () => new Promise<void>((r) => setImmediate(r));

function setup() {
  const store = new FakeGaugeStore();
  const failures: unknown[] = [];
  const refresher = new GaugeRefresher(store, (_source, err) => failures.push(err));
  /** A refresh call and what the snapshot held when it answered (undefined while it has not). */
  const call = (nowMs?: number) => {
    const out: { pendingSeen?: number } = {};
    void refresher.refresh(nowMs).then(() => (out.pendingSeen = refresher.snapshot.workshops.length));
    return out;
  };
  return { store, refresher, failures, call };
}

describe('GaugeRefresher.refresh', () => {
  it('when no run is in flight, then a run starts at once and the call answers with what it read', async () => {
    const { store, call, refresher } = setup();
    store.write();
    const c = call();
    await settle();
    expect(store.readsOpen).toBe(3); // workshops, rolling, jobs
    expect(c.pendingSeen).toBeUndefined();
    store.finishReads();
    await settle();
    expect(c.pendingSeen).toBe(1);
    expect(refresher.snapshot.rolling?.signupsCompleted24h).toBe(1);
    expect(refresher.snapshot.refreshedAtMs).not.toBeNull();
  });

  it('when a call comes during a run that read before a write, then it answers from a run started after the call', async () => {
    const { store, call } = setup();
    const before = call(); // run 1 reads an empty database
    await settle();
    store.write(); // a write commits while run 1 is in flight
    const after = call();
    store.finishReads(); // run 1 ends
    await settle();
    expect(before.pendingSeen).toBe(0);
    expect(after.pendingSeen).toBeUndefined(); // not answered by run 1, which read before the write
    expect(store.runs).toEqual([
      { rowsSeen: 0, nowMs: expect.any(Number) },
      { rowsSeen: 1, nowMs: expect.any(Number) },
    ]);
    store.finishReads(); // run 2 ends
    await settle();
    expect(after.pendingSeen).toBe(1);
  });

  it('when several calls come during one run, then they share a single follow-up run', async () => {
    const { store, call } = setup();
    call();
    await settle();
    store.write();
    const during = [call(), call()];
    store.write();
    during.push(call());
    await settle();
    store.finishReads();
    await settle();
    expect(store.runs).toHaveLength(2);
    expect(during.map((c) => c.pendingSeen)).toEqual([undefined, undefined, undefined]);
    store.finishReads();
    await settle();
    expect(store.runs).toHaveLength(2);
    expect(during.map((c) => c.pendingSeen)).toEqual([2, 2, 2]);
    expect(store.maxConcurrentRuns).toBe(1);
  });

  it('a follow-up run ends its windows at the latest nowMs its callers gave, else at the clock when it starts', async () => {
    const { store, call } = setup();
    call(1_000);
    await settle();
    call(2_000);
    call(3_000);
    call(); // no nowMs: does not override the ones given
    await settle();
    store.finishReads();
    await settle();
    const startedAt = Date.now();
    call();
    await settle();
    store.finishReads();
    await settle();
    store.finishReads();
    await settle();
    expect(store.runs.map((r) => r.nowMs).slice(0, 2)).toEqual([1_000, 3_000]);
    expect(store.runs[2]!.nowMs).toBeGreaterThanOrEqual(startedAt);
  });

  it('whatever the interleaving of calls, writes and finished reads: runs never overlap, every call reads every write made before it, and no run starts without a call', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('call', 'write', 'finish'), { minLength: 1, maxLength: 40 }),
        async (steps) => {
          const { store, call } = setup();
          const calls: Array<{ writesBefore: number; result: { pendingSeen?: number } }> = [];
          for (const step of steps) {
            if (step === 'call') calls.push({ writesBefore: store.rows.length, result: call() });
            else if (step === 'write') store.write();
            else store.finishReads();
            await settle();
          }
          while (store.readsOpen > 0) {
            store.finishReads();
            await settle();
          }
          expect(store.maxConcurrentRuns).toBeLessThanOrEqual(1);
          for (const c of calls) expect(c.result.pendingSeen).toBeGreaterThanOrEqual(c.writesBefore);
          // a run starts only for a call: the first call of a quiet spell, or the calls waiting behind a run
          expect(store.runs.length).toBeLessThanOrEqual(calls.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** A gauge store whose sources answer at once, each failing while its name is in `failing`. */
class FlakyGaugeStore implements GaugeReads {
  failing = new Set<GaugeSource>();
  private answer<T>(source: GaugeSource, value: T): Promise<T> {
    return this.failing.has(source) ? Promise.reject(new Error(`${source} down`)) : Promise.resolve(value);
  }
  workshops(): Promise<WorkshopRow[]> {
    return this.answer('workshops', [workshop('20000000-0000-4000-8000-000000000001')]);
  }
  rolling(): Promise<RollingCounts> {
    return this.answer('rolling', {
      signupsStarted24h: 1,
      signupsCompleted24h: 1,
      emailsSent24h: 0,
      emailsFailed24h: 0,
      emailsSent1h: 0,
      emailFailures1h: 0,
      approvals7d: 0,
      approvalTimeAvg7dSeconds: null,
    });
  }
  jobs(): Promise<JobRow[]> {
    return this.answer('jobs', [{ job: 'daily_metrics', lastSuccessMs: 1000, lastDurationSeconds: 1 }]);
  }
}

describe('GaugeRefresher: a refresh succeeds only when every source succeeded', () => {
  const SOURCES: GaugeSource[] = ['workshops', 'rolling', 'jobs'];

  it('when every source fails, then no refresh has succeeded (refreshedAtMs stays null) and each failure is reported', async () => {
    const store = new FlakyGaugeStore();
    SOURCES.forEach((s) => store.failing.add(s));
    const failed: GaugeSource[] = [];
    const refresher = new GaugeRefresher(store, (source) => failed.push(source));
    expect(await refresher.refresh()).toBe(false);
    expect(refresher.snapshot.refreshedAtMs).toBeNull();
    expect(refresher.snapshot.refreshSeconds).toBeNull();
    expect(refresher.snapshot.jobsRead).toBe(false);
    expect(failed.sort()).toEqual([...SOURCES].sort());
  });

  it.each(SOURCES)(
    'when only %s fails, then the others update but the refresh does not count as a success',
    async (source) => {
      const store = new FlakyGaugeStore();
      store.failing.add(source);
      const refresher = new GaugeRefresher(store, () => {});
      await refresher.refresh();
      expect(refresher.snapshot.refreshedAtMs).toBeNull();
      expect(refresher.snapshot.workshops.length).toBe(source === 'workshops' ? 0 : 1);
      expect(refresher.snapshot.rolling === null).toBe(source === 'rolling');
      expect(refresher.snapshot.jobsRead).toBe(source !== 'jobs');
    },
  );

  it('when a later refresh fails, then the last success stays at the earlier complete refresh', async () => {
    const store = new FlakyGaugeStore();
    const refresher = new GaugeRefresher(store, () => {});
    const before = Date.now();
    expect(await refresher.refresh()).toBe(true);
    const firstSuccess = refresher.snapshot.refreshedAtMs;
    expect(firstSuccess).not.toBeNull();
    expect(firstSuccess!).toBeGreaterThanOrEqual(before);
    await new Promise((r) => setTimeout(r, 5));
    store.failing.add('rolling');
    await refresher.refresh();
    expect(refresher.snapshot.refreshedAtMs).toBe(firstSuccess);
    store.failing.clear();
    await new Promise((r) => setTimeout(r, 5));
    await refresher.refresh();
    expect(refresher.snapshot.refreshedAtMs!).toBeGreaterThan(firstSuccess!);
  });
});
