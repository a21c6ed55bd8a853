/** The error handed to `onError` when events are dropped. */
import type { DropReason } from './types.js';

/** Details of one drop: why, how many events, and what the server said if it answered. */
export class WorkshopTrackerError extends Error {
  override readonly name = 'WorkshopTrackerError';
  /** Why the events were dropped. */
  readonly reason: DropReason;
  /** How many events were dropped. */
  readonly eventCount: number;
  /** HTTP status of the answer that caused the drop, if any. */
  readonly status: number | undefined;
  /** Problems reported by a 400 answer (`error.details`), if any. */
  readonly details: unknown;

  constructor(
    reason: DropReason,
    eventCount: number,
    message: string,
    extra: { status?: number; details?: unknown; cause?: unknown } = {},
  ) {
    super(
      `${eventCount} event(s) dropped (${reason}): ${message}`,
      extra.cause === undefined ? undefined : { cause: extra.cause },
    );
    this.reason = reason;
    this.eventCount = eventCount;
    this.status = extra.status;
    this.details = extra.details;
  }
}
