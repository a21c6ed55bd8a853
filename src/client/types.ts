/**
 * Public types of the workshop tracker SDK: the event an app tracks, the options, the stats and the tracker
 * itself. The SDK only depends on the event catalogue for its type names (a type-only import).
 */
import type { EventType } from '../catalogue/event-catalogue.js';
import type { WorkshopTrackerError } from './errors.js';

/**
 * One business event, as an app passes it to {@link WorkshopTracker.track}. Field names are the wire names of
 * `POST /v1/events`. `null` or `undefined` optional fields are left out of the request.
 */
export interface WorkshopEvent {
  /** Event type from the catalogue (docs/events.md), e.g. `'workshop_signup_started'`. */
  type: EventType;
  /** Idempotency key (UUID). Assigned with `crypto.randomUUID()` when absent; retries resend the same id. */
  id?: string;
  /** When it happened: RFC 3339 with a time zone, or a Date. Defaults to the moment `track()` is called. */
  occurred_at?: string | Date;
  workshop_id?: string | null;
  user_id?: string | null;
  mechanic_id?: string | null;
  admin_id?: string | null;
  session_id?: string | null;
  success?: boolean | null;
  error_message?: string | null;
  /** Integer >= 0. */
  duration_ms?: number | null;
  ip_address?: string | null;
  user_agent?: string | null;
  metadata?: Record<string, unknown> | null;
}

/**
 * Why events were dropped (never delivered):
 * - `queue_full`: the queue held `maxQueueSize` events when `track()` was called.
 * - `invalid`: `track()` got something that is not a valid event (checked locally, never sent).
 * - `too_large`: one event alone does not fit in a request body (locally, or a 413 for a single event).
 * - `rejected`: the server answered 400 (a validation code such as `invalid_events`, or `invalid_event` for what
 *   only PostgreSQL refuses); nothing of that request was stored. When every problem in `error.details` names an
 *   event `index`, only those events are dropped and the others are sent again (same ids); a 400 with a
 *   batch-level problem (no index, or -1) or without details drops the whole request.
 * - `unauthorized`: the server answered 401 or 403 (bad token).
 * - `unsupported_media_type`: the server answered 415.
 * - `http_error`: any other status the tracker cannot retry (e.g. 404, 3xx).
 * - `retries_exhausted`: network errors, timeouts, 408, 429 or 5xx persisted beyond the retry budget of the
 *   request: `maxRetries` retries or `maxRetryDurationMs` since its first attempt, whichever comes first.
 * - `shutdown`: tracked after `shutdown()` began, or still undelivered (or unconfirmed) at its deadline.
 * - `internal_error`: a bug in the tracker; the batch it was sending is given up.
 */
export type DropReason =
  | 'queue_full'
  | 'invalid'
  | 'too_large'
  | 'rejected'
  | 'unauthorized'
  | 'unsupported_media_type'
  | 'http_error'
  | 'retries_exhausted'
  | 'shutdown'
  | 'internal_error';

/** Counters since creation. Every accepted `track()` ends up in exactly one of sent, duplicates or dropped. */
export interface TrackerStats {
  /** Events waiting in the queue (not yet part of a request). */
  queued: number;
  /** Events taken from the queue whose request is under way or waiting for a retry. */
  inFlight: number;
  /** Events the server confirmed as newly stored (`accepted` of 202 answers). */
  sent: number;
  /** Events the server confirmed it already had (`duplicates` of 202 answers), e.g. after a lost answer. */
  duplicates: number;
  /** Events given up for good, all reasons together. */
  dropped: number;
  /** `dropped`, broken down by reason. */
  droppedByReason: Record<DropReason, number>;
  /** Requests sent again after a retryable failure. */
  retries: number;
}

/** Options of {@link createWorkshopTracker}. Only `url` and `token` are required. */
export interface WorkshopTrackerOptions {
  /** Base URL of the ingestion service (http or https); events go to `{url}/v1/events`. */
  url: string;
  /** Ingestion bearer token, sent as `Authorization: Bearer <token>`. */
  token: string;
  /** Most events per request. Default 100; values above 1000 (the server's limit) are capped at 1000. */
  maxBatchSize?: number;
  /** Most bytes per request body. Default and cap 1 MiB (1048576), the server's limit. */
  maxBodyBytes?: number;
  /**
   * A partial batch is sent this long after its first event was tracked (or when a sending slot frees up, if
   * later; see `maxConcurrentBatches`). A full batch is sent at once. The timer is unref()ed. Default 1000 ms.
   */
  flushIntervalMs?: number;
  /** Most events waiting to be sent; beyond it `track()` drops (`queue_full`). Default 10000. */
  maxQueueSize?: number;
  /** First retry delay; it doubles each retry, with jitter (between half and all of it). Default 200 ms. */
  initialBackoffMs?: number;
  /** Ceiling of the retry delay, including a server's `Retry-After`. Default 30000 ms. */
  maxBackoffMs?: number;
  /**
   * Retries of one request before its events are dropped (`retries_exhausted`). Default 10 (about 1–2 minutes
   * with the default backoff). `Infinity` together with `maxRetryDurationMs: Infinity` retries until
   * `shutdown()`'s deadline.
   */
  maxRetries?: number;
  /**
   * Time budget of one request's retries, from its first attempt: a retry that could not start within it is
   * not made and the events are dropped (`retries_exhausted`). Bounds the time a batch is held even when
   * requests hang until `requestTimeoutMs` or the server asks for long `Retry-After`s. Positive integer or
   * `Infinity`. Default 300000 ms (5 minutes).
   */
  maxRetryDurationMs?: number;
  /** A request with no answer after this long is aborted and retried. Default 10000 ms. */
  requestTimeoutMs?: number;
  /**
   * Batches being delivered at once (a request under way or waiting to be retried). While a batch the server
   * keeps failing waits for its retry, later batches keep flowing in the other slots; batches may therefore
   * arrive out of order (the server counts by `occurred_at`, so order does not matter). Events held in memory
   * are at most `maxQueueSize` queued plus `maxConcurrentBatches × maxBatchSize` in flight. `1` sends one
   * batch at a time, strictly in order. Default 2.
   */
  maxConcurrentBatches?: number;
  /** The fetch implementation. Default: the global `fetch` of Node 20. */
  fetch?: typeof fetch;
  /**
   * Told about every drop, synchronously (`queue_full` once per run until an event is queued again, and
   * `track()` after shutdown once). Exceptions it throws are ignored. Retries are only counted.
   */
  onError?: (error: WorkshopTrackerError) => void;
}

/** Options of {@link WorkshopTracker.shutdown}. */
export interface ShutdownOptions {
  /** How long to keep delivering before the rest is dropped as `shutdown`. Default 5000 ms. */
  timeoutMs?: number;
}

/**
 * Sends workshop events to the ingestion service in the background: up to `maxConcurrentBatches` batches at a
 * time, each retried with the same event ids, so the server stores every event once.
 */
export interface WorkshopTracker {
  /**
   * Queues an event and returns at once. Never throws. Returns `false` when the event is dropped (invalid,
   * too large, queue full, or after `shutdown()`), counted in `stats().droppedByReason`.
   */
  track(event: WorkshopEvent): boolean;
  /** Resolves once every event tracked before the call has been delivered or dropped. Never rejects. */
  flush(): Promise<void>;
  /**
   * Stops accepting events, keeps delivering until `timeoutMs`, then drops the rest as `shutdown`, stops the
   * timers and resolves with the final stats. Never rejects; later calls return the same promise.
   */
  shutdown(options?: ShutdownOptions): Promise<TrackerStats>;
  /** A snapshot of the counters. */
  stats(): TrackerStats;
}
