import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../src/ingest/event-schema.js';
import { EventWriter, type EventSink } from '../../../src/ingest/event-service.js';
import { noopIngestMetrics } from '../../../src/ingest/ingest-metrics.js';
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

  it.each(['data_error', 'defect'] as const)(
    'when the insert fails with %s, then the request fails with write_failed and is not retried',
    async (kind) => {
      const { sink, calls } = flakySink([kind]);
      const writer = new EventWriter(sink, opts, noopIngestMetrics);
      await expect(writer.submit([event('a')])).rejects.toMatchObject({ code: 'write_failed', status: 500 });
      expect(calls.insert).toBe(1);
    },
  );
});
