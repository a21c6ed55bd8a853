/** The tracker's counters, and reporting drops to `onError`. */
import { WorkshopTrackerError } from './errors.js';
import type { DropReason, TrackerStats } from './types.js';

const REASONS: readonly DropReason[] = [
  'queue_full',
  'invalid',
  'too_large',
  'rejected',
  'unauthorized',
  'unsupported_media_type',
  'http_error',
  'retries_exhausted',
  'shutdown',
  'internal_error',
  'disabled',
  'not_configured',
];

/** Drops at `track()` that are reported once per run (until an event is queued again), not per event. */
const REPORTED_ONCE: ReadonlySet<DropReason> = new Set(['queue_full', 'shutdown']);
/** Drops the app asked for: counted, never reported to `onError`. */
const NEVER_REPORTED: ReadonlySet<DropReason> = new Set(['disabled']);

export class StatsCounter {
  private sent = 0;
  private duplicates = 0;
  private retries = 0;
  private inFlight = 0;
  private readonly byReason = Object.fromEntries(REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  private readonly silenced = new Set<DropReason>();

  constructor(
    private readonly onError: ((error: WorkshopTrackerError) => void) | undefined,
    private readonly onSettled: () => void,
  ) {}

  startBatch(count: number): void {
    this.inFlight += count;
  }

  retried(): void {
    this.retries += 1;
  }

  delivered(sent: number, duplicates: number): void {
    this.sent += sent;
    this.duplicates += duplicates;
    this.inFlight -= sent + duplicates;
    this.settle();
  }

  /** Queued events given up: in flight, or still in the queue (`fromQueue`) at the shutdown deadline. */
  droppedInFlight(error: WorkshopTrackerError, fromQueue = false): void {
    this.byReason[error.reason] += error.eventCount;
    if (!fromQueue) this.inFlight -= error.eventCount;
    this.report(error);
    this.settle();
  }

  /** One event refused by `track()`; returns false, which track() returns. */
  droppedAtTrack(reason: DropReason, message: string): false {
    this.byReason[reason] += 1;
    if (NEVER_REPORTED.has(reason)) return false;
    if (REPORTED_ONCE.has(reason)) {
      if (this.silenced.has(reason)) return false;
      this.silenced.add(reason);
    }
    this.report(new WorkshopTrackerError(reason, 1, message));
    return false;
  }

  /** An event was queued: report the next `queue_full` again. */
  queueHasRoom(): void {
    this.silenced.delete('queue_full');
  }

  snapshot(queued: number): TrackerStats {
    const droppedByReason = { ...this.byReason };
    const dropped = REASONS.reduce((n, r) => n + droppedByReason[r], 0);
    const { inFlight, sent, duplicates, retries } = this;
    return { queued, inFlight, sent, duplicates, dropped, droppedByReason, retries };
  }

  /** Queued events were delivered or dropped: tell the tracker (its flush() waiters). */
  private settle(): void {
    try {
      this.onSettled();
    } catch {
      // waiters only resolve promises
    }
  }

  private report(error: WorkshopTrackerError): void {
    try {
      this.onError?.(error);
    } catch {
      // a failing callback must not break tracking
    }
  }
}
