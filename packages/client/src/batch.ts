/** Request bodies: `{"events":[...]}` assembled from already-encoded events, so sizes are exact. */
import type { EncodedEvent } from './event.js';

const HEAD = '{"events":[';
const TAIL = ']}';

/** Bytes of a body around its events (`{"events":[` and `]}`). */
export const BATCH_ENVELOPE_BYTES = HEAD.length + TAIL.length;

/** Byte size of the body holding `events`: envelope, events and the commas between them. */
export function bodyBytes(events: readonly EncodedEvent[]): number {
  let total = BATCH_ENVELOPE_BYTES + Math.max(events.length - 1, 0);
  for (const e of events) total += e.bytes;
  return total;
}

/** The JSON request body for `events`. */
export function encodeBody(events: readonly EncodedEvent[]): string {
  return HEAD + events.map((e) => e.json).join(',') + TAIL;
}

/** Two halves (first half at least as long), for resending a batch the server found too large. */
export function splitInHalves<T>(items: readonly T[]): [T[], T[]] {
  const middle = Math.ceil(items.length / 2);
  return [items.slice(0, middle), items.slice(middle)];
}
