import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../src/ingest/event-schema.js';
import { EventWriter, type EventSink } from '../../../src/ingest/event-service.js';
import { noopIngestMetrics } from '../../../src/ingest/ingest-metrics.js';

const event = (id: string) => ({ id }) as NormalizedEvent;

/** A sink whose inserts wait until the test releases them; records every id it was asked to store. */
function gatedSink() {
  const written: string[] = [];
  const gates: Array<() => void> = [];
  const sink: EventSink = {
    async insert(events) {
      await new Promise<void>((r) => gates.push(r));
      written.push(...events.map((e) => e.id));
      return new Set(events.map((e) => e.id));
    },
    async probe() {},
    forgetPartitions() {},
  };
  const releaseNext = async () => {
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
    gates.shift()!();
  };
  return { sink, written, releaseNext };
}

const opts = { maxEventsPerFlush: 100, concurrency: 1, maxPendingEvents: 1000, maxPendingBytes: 10_000 };

describe('EventWriter memory bounds', () => {
  it('when the bodies of unanswered requests would pass maxPendingBytes, then submit fails with 503 overloaded and Retry-After', async () => {
    const { sink, releaseNext } = gatedSink();
    const writer = new EventWriter(sink, opts, noopIngestMetrics);
    const first = writer.submit([event('a')], { bytes: 6_000 }); // being flushed: still counted until answered
    const second = writer.submit([event('b')], { bytes: 4_000 }); // waiting: exactly at the limit
    await expect(writer.submit([event('c')], { bytes: 1 })).rejects.toMatchObject({
      code: 'overloaded',
      status: 503,
      retryAfter: 1,
    });
    await releaseNext();
    await expect(first).resolves.toEqual({ accepted: 1, duplicates: 0 });
    // 6,000 bytes answered: room again
    const third = writer.submit([event('d')], { bytes: 5_000 });
    await releaseNext();
    await releaseNext();
    await expect(Promise.all([second, third])).resolves.toHaveLength(2);
  });

  it('when a client has gone while its request waited, then its events are not written; one gone during its flush is committed', async () => {
    const { sink, written, releaseNext } = gatedSink();
    const writer = new EventWriter(sink, opts, noopIngestMetrics);
    let inFlightGone = false;
    let waitingGone = false;
    const inFlight = writer.submit([event('in-flight')], { bytes: 10, gone: () => inFlightGone });
    const waiting = writer.submit([event('waiting')], { bytes: 10, gone: () => waitingGone });
    const stays = writer.submit([event('stays')], { bytes: 10, gone: () => false });
    inFlightGone = true; // its flush already started
    waitingGone = true; // still queued behind that flush
    await releaseNext();
    await expect(inFlight).resolves.toEqual({ accepted: 1, duplicates: 0 });
    await releaseNext();
    await expect(stays).resolves.toEqual({ accepted: 1, duplicates: 0 });
    await expect(waiting).rejects.toMatchObject({ code: 'client_gone' });
    expect(written).toEqual(['in-flight', 'stays']);
    await writer.close();
  });
});
