/**
 * Public types of the workshop tracker SDK: the options, the stats and the tracker itself. The events it takes
 * are generated from the server's catalogue (events.generated.ts).
 */
import type { WorkshopTrackerError } from './errors.js';
import type { WorkshopEvent } from './events.generated.js';

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
 * - `disabled`: a valid event tracked by a tracker created with `disabled: true` (never sent, never reported
 *   to `onError`).
 * - `not_configured`: `trackWorkshopEvent()` before `configureWorkshopAnalytics()` (and, on Node, without
 *   `WORKSHOP_ANALYTICS_URL` and `WORKSHOP_ANALYTICS_TOKEN`).
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
  | 'internal_error'
  | 'disabled'
  | 'not_configured';

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

/**
 * Options of {@link createWorkshopTracker}: `url` and `token`, which a tracker created with `disabled: true`
 * may leave out, and the optional {@link TrackerSettings}.
 */
export type WorkshopTrackerOptions = TrackerSettings &
  // (the sending variant last: TypeScript then reports a missing url or token rather than a missing `disabled`)
  (
    | { url?: string; token?: string; disabled: true }
    | {
        /** Base URL of the ingestion service (http or https); events go to `{url}/v1/events`. */
        url: string;
        /** Ingestion bearer token, sent as `Authorization: Bearer <token>`. */
        token: string;
        disabled?: boolean;
      }
  );

/** The optional settings of {@link createWorkshopTracker}, with their defaults. */
export interface TrackerSettings {
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
  /** The fetch implementation. Default: the global `fetch` (Node ≥ 20, browsers, edge runtimes). */
  fetch?: typeof fetch;
  /**
   * True: send nothing (tests, local development): `track()` still validates each event and returns `false`;
   * valid events are counted in `stats().droppedByReason.disabled`, invalid ones under their reason. `url` and
   * `token` may then be omitted. Default false.
   */
  disabled?: boolean;
  /**
   * Called once per request, just before its first attempt: a W3C trace context (`00-<trace id>-<span id>-
   * <flags>`) to send as the `traceparent` header, or `undefined` for none. Retries resend the same value. A
   * value that is not a valid traceparent, or a hook that throws, sends no header. With batching, a request
   * carries the trace active when its batch is sent (e.g. around `await flush()`), not each event's.
   */
  getTraceparent?: () => string | undefined;
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
