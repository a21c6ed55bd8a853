/**
 * The fields every event may carry, in both spellings: the wire names of `POST /v1/events` (for `track()`) and
 * the plan's camelCase names (for `trackWorkshopEvent()`). Which of them an event type requires, and the shape
 * of its metadata, come from the server's catalogue: see events.generated.ts.
 */

/** Metadata any event may carry: an object of JSON values (at most 8 KiB as JSON). */
export interface EventMetadata {
  [key: string]: unknown;
}

/**
 * Wire fields of every event. `null` or `undefined` optional fields are left out of the request. An event type
 * narrows some of them to required (events.generated.ts).
 */
export interface EventFields {
  /** Idempotency key (UUID). Assigned with `crypto.randomUUID()` when absent; retries resend the same id. */
  id?: string;
  /** When it happened: RFC 3339 with a time zone, or a Date. Defaults to the moment it is tracked. */
  occurred_at?: string | Date;
  /** UUID of the workshop. */
  workshop_id?: string | null;
  /** UUID of the user. */
  user_id?: string | null;
  /** UUID of the mechanic. */
  mechanic_id?: string | null;
  /** UUID of the admin. */
  admin_id?: string | null;
  /** 1 to 128 characters: ties the anonymous signup funnel together. */
  session_id?: string | null;
  success?: boolean | null;
  /** 1 to 2000 characters. */
  error_message?: string | null;
  /** Integer, 0 to 2147483647. */
  duration_ms?: number | null;
  /** IPv4 or IPv6 address. */
  ip_address?: string | null;
  /** At most 512 characters. */
  user_agent?: string | null;
  metadata?: EventMetadata | null;
}

/** The plan's camelCase fields of `trackWorkshopEvent()`, each mapped to its wire name (see {@link WIRE_NAMES}). */
export interface TrackEventFields {
  /** Idempotency key (UUID). Assigned when absent: the result of `trackWorkshopEvent()` tells it. */
  id?: string;
  /** UUID of the workshop. */
  workshopId?: string | null;
  /** UUID of the user. */
  userId?: string | null;
  /** UUID of the mechanic. */
  mechanicId?: string | null;
  /** UUID of the admin. */
  adminId?: string | null;
  /** 1 to 128 characters: ties the anonymous signup funnel together. */
  sessionId?: string | null;
  metadata?: EventMetadata | null;
  success?: boolean | null;
  /** 1 to 2000 characters. */
  errorMessage?: string | null;
  /** Integer, 0 to 2147483647. */
  durationMs?: number | null;
  /** When it happened: a Date, or RFC 3339 with a time zone. Defaults to the moment it is tracked. */
  occurredAt?: string | Date;
}

/** camelCase parameter → wire field, for every parameter of `trackWorkshopEvent()`. */
export const WIRE_NAMES = {
  id: 'id',
  eventType: 'type',
  workshopId: 'workshop_id',
  userId: 'user_id',
  mechanicId: 'mechanic_id',
  adminId: 'admin_id',
  sessionId: 'session_id',
  metadata: 'metadata',
  success: 'success',
  errorMessage: 'error_message',
  durationMs: 'duration_ms',
  occurredAt: 'occurred_at',
} as const;
