/**
 * One `POST /v1/events` and what its answer means for the tracker: delivered, retry (after how long), or
 * drop (why). Never throws.
 */
import { parseRetryAfterMs } from './backoff.js';
import { unrefTimer } from './runtime.js';
import type { DropReason } from './types.js';

export type SendOutcome =
  | { kind: 'delivered'; accepted: number | undefined; duplicates: number | undefined }
  | { kind: 'retry'; message: string; status?: number; retryAfterMs?: number; cause?: unknown }
  | { kind: 'drop'; reason: DropReason; message: string; status: number; problems?: Problem[] };

/** One entry of a 400 answer's `error.details`. */
export interface Problem {
  /** The event's position in the request, or -1 for a problem of the whole batch (or no index given). */
  index: number;
  path: string;
  message: string;
}

export interface PostRequest {
  fetch: typeof fetch;
  endpoint: string;
  token: string;
  body: string;
  /** Added to the request's own headers (e.g. `traceparent`). */
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Aborts the request (shutdown deadline). */
  signal: AbortSignal;
}

export async function postBatch(req: PostRequest): Promise<SendOutcome> {
  // One controller per request, fed by the timeout and by the tracker's signal (no AbortSignal.any, whose
  // dependants pile up on a long-lived signal in some Node 20 releases).
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, req.timeoutMs);
  unrefTimer(timer);
  const onAbort = (): void => controller.abort();
  req.signal.addEventListener('abort', onAbort, { once: true });
  if (req.signal.aborted) controller.abort();
  try {
    const res = await req.fetch(req.endpoint, {
      method: 'POST',
      headers: { ...req.headers, authorization: `Bearer ${req.token}`, 'content-type': 'application/json' },
      body: req.body,
      signal: controller.signal,
    });
    const text = await res.text().catch(() => '');
    return classify(res.status, res.headers.get('retry-after'), text);
  } catch (err) {
    const message = timedOut ? `no answer within ${req.timeoutMs} ms` : `network error: ${errorText(err)}`;
    return { kind: 'retry', message, cause: err };
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener('abort', onAbort);
  }
}

/** Maps an HTTP answer to an outcome. Exported for tests. */
export function classify(status: number, retryAfter: string | null, text: string): SendOutcome {
  const body = parseJson(text);
  if (status >= 200 && status < 300) {
    return { kind: 'delivered', accepted: count(body, 'accepted'), duplicates: count(body, 'duplicates') };
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfterMs(retryAfter);
    return {
      kind: 'retry',
      status,
      message: `HTTP ${status}${serverMessage(body)}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  const reason: DropReason =
    status === 400
      ? 'rejected'
      : status === 401 || status === 403
        ? 'unauthorized'
        : status === 413
          ? 'too_large'
          : status === 415
            ? 'unsupported_media_type'
            : 'http_error';
  const problems = status === 400 ? problemsOf(body) : undefined;
  return {
    kind: 'drop',
    reason,
    status,
    message: `HTTP ${status}${serverMessage(body)}`,
    ...(problems ? { problems } : {}),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

function count(body: unknown, key: string): number | undefined {
  const value = field(body, key);
  return Number.isInteger(value) && (value as number) >= 0 ? (value as number) : undefined;
}

/** `": code: message"` from `{"error":{"code","message"}}`, or nothing. */
function serverMessage(body: unknown): string {
  const error = field(body, 'error');
  const parts = [field(error, 'code'), field(error, 'message')].filter((p) => typeof p === 'string');
  return parts.length ? `: ${parts.join(': ')}` : '';
}

/** The problems of a 400's `error.details`; a problem without an integer `index` gets -1 (the whole batch). */
function problemsOf(body: unknown): Problem[] | undefined {
  const details = field(field(body, 'error'), 'details');
  if (!Array.isArray(details)) return undefined;
  return details.map((d) => {
    const index = field(d, 'index');
    return {
      index: Number.isInteger(index) ? (index as number) : -1,
      path: String(field(d, 'path') ?? ''),
      message: String(field(d, 'message') ?? ''),
    };
  });
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${err.message}${cause}`;
}
