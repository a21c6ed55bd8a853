import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../src/ingest/event-schema.js';
import { EventWriter, type EventSink } from '../../../src/ingest/event-service.js';
import { noopIngestMetrics } from '../../../src/ingest/ingest-metrics.js';

const event = (id: string) => ({ id }) as NormalizedEvent;

/** A sink failing with each of `codes` in turn, then storing everything. */
function flakySink(codes: string[]) {
  const calls = { insert: 0, forget: 0 };
  const sink: EventSink = {
    async insert(events) {
      calls.insert++;
      const code = codes.shift();
      if (code) throw Object.assign(new Error(code), { code });
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
  it.each(['23514', '42P01', '42P07'])(
    'when the insert fails with %s (partition missing or created concurrently), then it forgets partitions and retries',
    async (code) => {
      const { sink, calls } = flakySink([code]);
      const writer = new EventWriter(sink, opts, noopIngestMetrics);
      await expect(writer.submit([event('a')])).resolves.toEqual({ accepted: 1, duplicates: 0 });
      expect(calls).toEqual({ insert: 2, forget: 1 });
    },
  );

  it('when the insert deadlocks, then it retries without forgetting partitions', async () => {
    const { sink, calls } = flakySink(['40P01']);
    const writer = new EventWriter(sink, opts, noopIngestMetrics);
    await expect(writer.submit([event('a')])).resolves.toEqual({ accepted: 1, duplicates: 0 });
    expect(calls).toEqual({ insert: 2, forget: 0 });
  });

  it('when the insert fails with another error, then the request fails with write_failed', async () => {
    const { sink, calls } = flakySink(['22P02']);
    const writer = new EventWriter(sink, opts, noopIngestMetrics);
    await expect(writer.submit([event('a')])).rejects.toMatchObject({ code: 'write_failed', status: 500 });
    expect(calls.insert).toBe(1);
  });
});
