/** Validation of tracker options and their defaults. Bad options throw at creation with an exact message. */
import type { WorkshopTrackerError } from './errors.js';
import type { WorkshopTrackerOptions } from './types.js';

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
  /** `{url}/v1/events`. */
  endpoint: string;
  token: string;
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

const PREFIX = 'createWorkshopTracker:';

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

type IntegerOption = Exclude<keyof typeof DEFAULT_OPTIONS, 'maxRetries' | 'maxRetryDurationMs'>;

function positiveInteger(options: WorkshopTrackerOptions, name: IntegerOption): number {
  const value: unknown = options[name];
  if (value === undefined) return DEFAULT_OPTIONS[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${PREFIX} ${name} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** An integer >= `min`, or Infinity (no limit). */
function integerOrInfinity(value: unknown, name: string, min: 0 | 1): number {
  if (typeof value !== 'number' || !(Number.isInteger(value) || value === Infinity) || value < min) {
    const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
    throw new RangeError(`${PREFIX} ${name} must be ${what} or Infinity, got ${describe(value)}`);
  }
  return value;
}

function endpointOf(url: unknown): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new TypeError(`${PREFIX} url must be an absolute http(s) URL, got ${describe(url)}`);
  }
  if (parsed.search || parsed.hash) {
    throw new TypeError(`${PREFIX} url must not have a query or fragment, got ${describe(url)}`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}/v1/events`;
}

function optionalFunction<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${PREFIX} ${name} must be a function, got ${describe(value)}`);
  }
  return value;
}

/** Checks options and fills in defaults. Throws TypeError or RangeError with an exact message. */
export function resolveOptions(options: WorkshopTrackerOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${PREFIX} options must be an object, got ${describe(options)}`);
  }
  const endpoint = endpointOf(options.url);
  if (typeof options.token !== 'string' || options.token.trim() === '') {
    throw new TypeError(`${PREFIX} token must be a non-empty string`);
  }
  const maxRetries = integerOrInfinity(options.maxRetries ?? DEFAULT_OPTIONS.maxRetries, 'maxRetries', 0);
  const maxRetryDurationMs = integerOrInfinity(
    options.maxRetryDurationMs ?? DEFAULT_OPTIONS.maxRetryDurationMs,
    'maxRetryDurationMs',
    1,
  );
  const initialBackoffMs = positiveInteger(options, 'initialBackoffMs');
  const maxBackoffMs = positiveInteger(options, 'maxBackoffMs');
  if (maxBackoffMs < initialBackoffMs) {
    throw new RangeError(`${PREFIX} maxBackoffMs (${maxBackoffMs}) must be >= initialBackoffMs (${initialBackoffMs})`);
  }
  const fetchImpl = optionalFunction(options.fetch, 'fetch') ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError(`${PREFIX} no global fetch; pass options.fetch`);
  return {
    endpoint,
    token: options.token,
    maxBatchSize: Math.min(positiveInteger(options, 'maxBatchSize'), SERVER_MAX_BATCH_EVENTS),
    maxBodyBytes: Math.min(positiveInteger(options, 'maxBodyBytes'), SERVER_MAX_BODY_BYTES),
    flushIntervalMs: positiveInteger(options, 'flushIntervalMs'),
    maxQueueSize: positiveInteger(options, 'maxQueueSize'),
    initialBackoffMs,
    maxBackoffMs,
    maxRetries,
    maxRetryDurationMs,
    requestTimeoutMs: positiveInteger(options, 'requestTimeoutMs'),
    maxConcurrentBatches: positiveInteger(options, 'maxConcurrentBatches'),
    fetch: fetchImpl,
    onError: optionalFunction(options.onError, 'onError'),
  };
}
