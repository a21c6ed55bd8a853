/** Validation of tracker options and their defaults. Bad options throw at creation with an exact message. */
import type { WorkshopTrackerError } from './errors.js';
import type { TrackerSettings, WorkshopTrackerOptions } from './types.js';

/** The server's limits on one `POST /v1/events`. */
export const SERVER_MAX_BATCH_EVENTS = 1000;
export const SERVER_MAX_BODY_BYTES = 1024 * 1024;

/** Defaults of the optional {@link WorkshopTrackerOptions}. */
export const DEFAULT_OPTIONS = {
  maxBatchSize: 100,
  maxBodyBytes: SERVER_MAX_BODY_BYTES,
  flushIntervalMs: 1000,
  maxQueueSize: 10_000,
  initialBackoffMs: 200,
  maxBackoffMs: 30_000,
  maxRetries: 10,
  maxRetryDurationMs: 300_000,
  requestTimeoutMs: 10_000,
  maxConcurrentBatches: 2,
} as const;

/** Default deadline of `shutdown()`. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

/** Options after validation: every value present. */
export interface ResolvedOptions {
  /** `{url}/v1/events` ('' when disabled without a url). */
  endpoint: string;
  token: string;
  /** Send nothing: valid events are dropped as `disabled`. */
  disabled: boolean;
  getTraceparent: (() => string | undefined) | undefined;
  maxBatchSize: number;
  maxBodyBytes: number;
  flushIntervalMs: number;
  maxQueueSize: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  maxRetries: number;
  maxRetryDurationMs: number;
  requestTimeoutMs: number;
  maxConcurrentBatches: number;
  fetch: typeof fetch;
  onError: ((error: WorkshopTrackerError) => void) | undefined;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

type IntegerOption = Exclude<keyof typeof DEFAULT_OPTIONS, 'maxRetries' | 'maxRetryDurationMs'>;

function positiveInteger(options: TrackerSettings, name: IntegerOption, prefix: string): number {
  const value: unknown = options[name];
  if (value === undefined) return DEFAULT_OPTIONS[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${prefix} ${name} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** An integer >= `min`, or Infinity (no limit). */
function integerOrInfinity(value: unknown, name: string, min: 0 | 1, prefix: string): number {
  if (typeof value !== 'number' || !(Number.isInteger(value) || value === Infinity) || value < min) {
    const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
    throw new RangeError(`${prefix} ${name} must be ${what} or Infinity, got ${describe(value)}`);
  }
  return value;
}

function endpointOf(url: unknown, prefix: string): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new TypeError(`${prefix} url must be an absolute http(s) URL, got ${describe(url)}`);
  }
  if (parsed.search || parsed.hash) {
    throw new TypeError(`${prefix} url must not have a query or fragment, got ${describe(url)}`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}/v1/events`;
}

function optionalFunction<T>(value: T | undefined, name: string, prefix: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${prefix} ${name} must be a function, got ${describe(value)}`);
  }
  return value;
}

/**
 * Checks options and fills in defaults. Throws TypeError or RangeError with an exact message, starting with
 * `prefix` (the function the app called). With `disabled: true`, `url` and `token` are checked only if given.
 */
export function resolveOptions(options: WorkshopTrackerOptions, prefix = 'createWorkshopTracker:'): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${prefix} options must be an object, got ${describe(options)}`);
  }
  if (options.disabled !== undefined && typeof options.disabled !== 'boolean') {
    throw new TypeError(`${prefix} disabled must be a boolean, got ${describe(options.disabled)}`);
  }
  const disabled = options.disabled === true;
  const endpoint = disabled && !options.url ? '' : endpointOf(options.url, prefix);
  const token = options.token ?? (disabled ? '' : undefined);
  if (typeof token !== 'string' || (!disabled && token.trim() === '')) {
    throw new TypeError(`${prefix} token must be a non-empty string`);
  }
  const maxRetries = integerOrInfinity(options.maxRetries ?? DEFAULT_OPTIONS.maxRetries, 'maxRetries', 0, prefix);
  const maxRetryDurationMs = integerOrInfinity(
    options.maxRetryDurationMs ?? DEFAULT_OPTIONS.maxRetryDurationMs,
    'maxRetryDurationMs',
    1,
    prefix,
  );
  const integer = (name: IntegerOption) => positiveInteger(options, name, prefix);
  const initialBackoffMs = integer('initialBackoffMs');
  const maxBackoffMs = integer('maxBackoffMs');
  if (maxBackoffMs < initialBackoffMs) {
    throw new RangeError(`${prefix} maxBackoffMs (${maxBackoffMs}) must be >= initialBackoffMs (${initialBackoffMs})`);
  }
  const fetchImpl = optionalFunction(options.fetch, 'fetch', prefix) ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function' && !disabled) {
    throw new TypeError(`${prefix} no global fetch; pass options.fetch`);
  }
  return {
    endpoint,
    token,
    disabled,
    getTraceparent: optionalFunction(options.getTraceparent, 'getTraceparent', prefix),
    maxBatchSize: Math.min(integer('maxBatchSize'), SERVER_MAX_BATCH_EVENTS),
    maxBodyBytes: Math.min(integer('maxBodyBytes'), SERVER_MAX_BODY_BYTES),
    flushIntervalMs: integer('flushIntervalMs'),
    maxQueueSize: integer('maxQueueSize'),
    initialBackoffMs,
    maxBackoffMs,
    maxRetries,
    maxRetryDurationMs,
    requestTimeoutMs: integer('requestTimeoutMs'),
    maxConcurrentBatches: integer('maxConcurrentBatches'),
    fetch: fetchImpl,
    onError: optionalFunction(options.onError, 'onError', prefix),
  };
}
