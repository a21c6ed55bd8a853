import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../src/ingest/event-schema.js';
import { EventWriter, type EventSink } from '../../../src/ingest/event-service.js';
import type { AppError } from '../../../src/errors.js';
import { noopIngestMetrics, type IngestMetrics } from '../../../src/ingest/ingest-metrics.js';
import { StoreFailure, type StoreFailureKind } from '../../../src/ingest/store-failure.js';

const event = (id: string) => ({ id }) as NormalizedEvent;

/** A sink failing with each of `failures` in turn (a StoreFailure kind, or a plain error), then storing everything. */
function flakySink(failures: Array<StoreFailureKind | 'defect'>) {
  const calls = { insert: 0, forget: 0 };
  const sink: EventSink = {
    async insert(events) {
      calls.insert++;
      const kind = failures.shift();
      if (kind === 'defect') throw new Error('a bug');
      if (kind) throw new StoreFailure(kind, new Error(kind));
      return new Set(events.map((e) => e.id));
    },
    async probe() {},
    forgetPartitions() {
      calls.forget++;
    },
  };
  return { sink, calls };
}

const opts = { maxEventsPerFlush: 100, concurrency: 1, maxPendingEvents: 1000 };

describe('EventWriter retries', () => {
  it('when a partition is missing (or was created concurrently), then it forgets partitions and retries', async () => {
    const { sink, calls } = flakySink(['partition_missing']);
    const writer = new EventWriter(sink, opts, noopIngestMetrics);
    await expect(writer.submit([event('a')])).resolves.toEqual({ accepted: 1, duplicates: 0 });
    expect(calls).toEqual({ insert: 2, forget: 1 });
  });

  it('when the insert deadlocks, then it retries without forgetting partitions', async () => {
    const { sink, calls } = flakySink(['retryable']);
    const writer = new EventWriter(sink, opts, noopIngestMetrics);
    await expect(writer.submit([event('a')])).resolves.toEqual({ accepted: 1, duplicates: 0 });
    expect(calls).toEqual({ insert: 2, forget: 0 });
  });

  it('when a retryable failure repeats, then it gives up after three attempts', async () => {
    const { sink, calls } = flakySink(['retryable', 'retryable', 'retryable']);
    const writer = new EventWriter(sink, opts, noopIngestMetrics);
    await expect(writer.submit([event('a')])).rejects.toMatchObject({ code: 'write_failed', status: 500 });
    expect(calls.insert).toBe(3);
  });

  it('when the database is unavailable, then the request gets 503 database_unavailable with Retry-After', async () => {
    const { sink, calls } = flakySink(['unavailable']);
    const writer = new EventWriter(sink, opts, noopIngestMetrics);
    await expect(writer.submit([event('a')])).rejects.toMatchObject({
      code: 'database_unavailable',
      status: 503,
      retryAfter: 5,
    });
    expect(calls.insert).toBe(1);
  });

  it('when the insert fails with a defect, then the request fails with write_failed and is not retried', async () => {
    const { sink, calls } = flakySink(['defect']);
    const writer = new EventWriter(sink, opts, noopIngestMetrics);
    await expect(writer.submit([event('a')])).rejects.toMatchObject({ code: 'write_failed', status: 500 });
    expect(calls.insert).toBe(1);
  });

  it('when the database refuses the data, then the request gets 400 invalid_event and is not retried', async () => {
    const { sink, calls } = flakySink(['data_error']);
    const writer = new EventWriter(sink, opts, noopIngestMetrics);
    await expect(writer.submit([event('a')])).rejects.toMatchObject({ code: 'invalid_event', status: 400 });
    expect(calls.insert).toBe(1);
  });
});

/**
 * A sink that stores in memory and refuses (StoreFailure data_error) any call holding an event whose id is in
 * `bad`, as PostgreSQL refuses a whole statement for one value. `probe` refuses the same way and stores nothing.
 * The first insert waits for `release()`, so that the requests submitted meanwhile queue into one flush.
 */
function refusingSink(bad: ReadonlySet<string>) {
  const stored = new Set<string>();
  const calls = { insert: 0, probe: 0 };
  let release = () => {};
  const gate = new Promise<void>((r) => (release = r));
  let first = true;
  const refuse = (events: readonly NormalizedEvent[]) => {
    if (events.some((e) => bad.has(e.id))) throw new StoreFailure('data_error', new Error('22P05'));
  };
  const sink: EventSink = {
    async insert(events) {
      if (first) {
        first = false;
        await gate;
      } else calls.insert++;
      refuse(events);
      const fresh = new Set(events.filter((e) => !stored.has(e.id)).map((e) => e.id));
      fresh.forEach((id) => stored.add(id));
      return fresh;
    },
    async probe(events) {
      calls.probe++;
      refuse(events);
    },
    forgetPartitions() {},
  };
  return { sink, stored, calls, release };
}

/** Counts rejected events by reason. */
function countingMetrics() {
  const rejected: Record<string, number> = {};
  const metrics: IngestMetrics = {
    ...noopIngestMetrics,
    rejected: (reason, n) => void (rejected[reason] = (rejected[reason] ?? 0) + n),
  };
  return { metrics, rejected };
}

/** Submits a warm-up request that holds the writer, then `requests` (which queue into one flush), then releases. */
async function submitInOneFlush(sink: ReturnType<typeof refusingSink>, writer: EventWriter, requests: string[][]) {
  const warmUp = writer.submit([event('warm-up')]);
  const outcomes = requests.map((ids) =>
    writer.submit(ids.map(event)).then(
      (r) => ({ status: 202, ...r }),
      (e: AppError) => ({ status: e.status, code: e.code, details: e.details }),
    ),
  );
  sink.release();
  await warmUp;
  return Promise.all(outcomes);
}

describe('EventWriter: a flush the database refuses for its data', () => {
  const manyOpts = { maxEventsPerFlush: 10_000, concurrency: 1, maxPendingEvents: 100_000 };
  /** Request r holds the events `r-0` … `r-3`. */
  const requests = (n: number) => Array.from({ length: n }, (_, r) => [0, 1, 2, 3].map((i) => `${r}-${i}`));

  it('when one request of 16 holds a refused value, then only it gets 400 naming the event, the others are stored, in 1 + 2·log2(16) inserts', async () => {
    const sink = refusingSink(new Set(['11-2']));
    const { metrics, rejected } = countingMetrics();
    const writer = new EventWriter(sink.sink, manyOpts, metrics);
    const out = await submitInOneFlush(sink, writer, requests(16));

    out.forEach((o, r) => {
      if (r === 11)
        expect(o).toEqual({
          status: 400,
          code: 'invalid_event',
          details: [{ index: 2, path: '', message: expect.stringMatching(/refused/) }],
        });
      else expect(o).toEqual({ status: 202, accepted: 4, duplicates: 0 });
    });
    const expected = requests(16)
      .filter((_, r) => r !== 11)
      .flat();
    expect([...sink.stored].filter((id) => id !== 'warm-up').sort()).toEqual(expected.sort());
    // the whole flush, then halves of 8, 4, 2, 1 requests: two inserts per level
    expect(sink.calls.insert).toBe(1 + 2 * 4);
    // within the refused request of 4 events: halves of 2, then 1 (two probes per level); nothing stored by them
    expect(sink.calls.probe).toBe(2 * 2);
    expect(rejected).toEqual({ database_rejected: 4 });
  });

  it('when two requests of 100 hold refused values, then exactly those two get 400 and the 98 others are stored', async () => {
    const sink = refusingSink(new Set(['3-0', '70-3']));
    const { metrics, rejected } = countingMetrics();
    const writer = new EventWriter(sink.sink, manyOpts, metrics);
    const out = await submitInOneFlush(sink, writer, requests(100));
    expect(out.map((o, r) => [r, o.status]).filter(([, s]) => s !== 202)).toEqual([
      [3, 400],
      [70, 400],
    ]);
    expect(out[3]).toMatchObject({ details: [{ index: 0 }] });
    expect(out[70]).toMatchObject({ details: [{ index: 3 }] });
    expect(sink.stored.size).toBe(1 + 98 * 4);
    expect(sink.calls.insert).toBeLessThanOrEqual(2 * (1 + 2 * Math.ceil(Math.log2(100))));
    expect(rejected).toEqual({ database_rejected: 8 });
  });

  it('when a request holds several refused events, then each is named by its index', async () => {
    const sink = refusingSink(new Set(['0-1', '0-3']));
    const writer = new EventWriter(sink.sink, manyOpts, noopIngestMetrics);
    const [out] = await submitInOneFlush(sink, writer, requests(1));
    expect(out).toMatchObject({ status: 400, code: 'invalid_event' });
    expect((out as { details: Array<{ index: number }> }).details.map((d) => d.index)).toEqual([1, 3]);
    expect(sink.stored).toEqual(new Set(['warm-up']));
  });

  it('when no single event of the refused request is refused alone, then the request is named as a whole', async () => {
    const sink = refusingSink(new Set(['0-0']));
    sink.sink.probe = async () => {}; // the database accepts every part on its own
    const writer = new EventWriter(sink.sink, manyOpts, noopIngestMetrics);
    const [out] = await submitInOneFlush(sink, writer, requests(1));
    expect(out).toEqual({
      status: 400,
      code: 'invalid_event',
      details: [{ index: -1, path: '', message: expect.stringMatching(/refused/) }],
    });
  });

  it('when a request is a defect (not a data error), then the others are still stored and it alone gets 500', async () => {
    const sink = refusingSink(new Set());
    const insert = sink.sink.insert.bind(sink.sink);
    sink.sink.insert = async (events) => {
      if (events.some((e) => e.id === '2-0')) throw new Error('a bug');
      return insert(events);
    };
    const writer = new EventWriter(sink.sink, manyOpts, noopIngestMetrics);
    const out = await submitInOneFlush(sink, writer, requests(4));
    expect(out.map((o) => o.status)).toEqual([202, 202, 500, 202]);
    expect(sink.stored.size).toBe(1 + 3 * 4);
  });
});
