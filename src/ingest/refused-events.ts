/**
 * Which events of one request PostgreSQL refuses for their data (StoreFailure `data_error`, SQLSTATE class
 * 22), found by bisection with writes that are rolled back: a request is atomic, so nothing of it may be
 * stored while looking. One refused event of n costs about 2·log2(n) probes.
 */
import { AppError } from '../errors.js';
import type { NormalizedEvent } from './event-schema.js';
import { StoreFailure } from './store-failure.js';

/** At most this many refused events are named per request (each costs about 2·log2(n) probes). */
export const MAX_NAMED_REFUSED = 10;

const REFUSED = 'the database refused a value of this event; nothing of this request was stored';
const REFUSED_REQUEST =
  'the database refused a value of this request, and no single event on its own; nothing of it was stored';

/** Tries a write without keeping it; fails as the insert would. */
export type Probe = (events: readonly NormalizedEvent[]) => Promise<void>;

async function refused(probe: Probe, events: readonly NormalizedEvent[]): Promise<boolean> {
  try {
    await probe(events);
    return false;
  } catch (err) {
    if (err instanceof StoreFailure && err.kind === 'data_error') return true;
    throw err;
  }
}

/**
 * The positions (in `events`, ascending) of events the database refuses on their own, up to MAX_NAMED_REFUSED.
 * Empty when none is refused alone, or when probing fails otherwise (the database went away meanwhile).
 */
export async function locateRefused(probe: Probe, events: readonly NormalizedEvent[]): Promise<number[]> {
  const found: number[] = [];
  const search = async (lo: number, hi: number): Promise<void> => {
    if (hi - lo === 1) {
      found.push(lo);
      return;
    }
    const mid = lo + Math.ceil((hi - lo) / 2);
    for (const [a, b] of [
      [lo, mid],
      [mid, hi],
    ] as const) {
      if (found.length >= MAX_NAMED_REFUSED) return;
      if (await refused(probe, events.slice(a, b))) await search(a, b);
    }
  };
  try {
    // the caller saw the whole request refused; a single event needs no probe
    if (events.length === 1) return [0];
    await search(0, events.length);
  } catch {
    return [];
  }
  return found;
}

/** The 400 for a request the database refused, naming the refused events by their index in the request. */
export function refusedRequest(indexes: readonly number[]): AppError {
  const details = indexes.length
    ? indexes.map((index) => ({ index, path: '', message: REFUSED }))
    : [{ index: -1, path: '', message: REFUSED_REQUEST }];
  return new AppError(
    'invalid_event',
    400,
    'the database refused a value of this request (a client mistake validation did not catch); nothing was stored',
    details,
  );
}
