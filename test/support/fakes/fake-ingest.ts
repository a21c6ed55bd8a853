/**
 * An in-memory Ingest: stores each event id once (a re-sent id counts as a duplicate, as the real ingest's
 * idempotency key does) and records every batch it was given.
 */
import type { Ingest } from '../../../src/aggregate/alert-checks.js';

export class FakeIngest {
  readonly stored = new Map<string, Record<string, unknown>>();
  readonly batches: Array<Array<Record<string, unknown>>> = [];
  /** Called with the newly stored events of each batch (e.g. FakeInviteStore.project). */
  onStored: (events: Array<Record<string, unknown>>) => void = () => {};
  /** When set, every call rejects with it. */
  failWith: Error | undefined;

  readonly ingest: Ingest = async (events) => {
    this.batches.push(events);
    if (this.failWith) throw this.failWith;
    const fresh: Array<Record<string, unknown>> = [];
    for (const e of events) {
      if (this.stored.has(String(e.id))) continue;
      this.stored.set(String(e.id), e);
      fresh.push(e);
    }
    this.onStored(fresh);
    return { accepted: fresh.length, duplicates: events.length - fresh.length };
  };
}
