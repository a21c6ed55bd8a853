/** Retry delays: exponential backoff with jitter, and the server's `Retry-After`. */

/**
 * Delay before retry number `attempt` (0 for the first retry): `initialMs * 2^attempt` capped at `maxMs`,
 * then a random value between half of it and all of it ("equal jitter"), so clients spread out but never
 * retry immediately.
 */
export function backoffDelayMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt, 0), 60));
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}

/**
 * Milliseconds a `Retry-After` header asks to wait: delta-seconds (`"3"`) or an HTTP date. `undefined` when
 * absent or unreadable.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * Delay before a retry: the backoff, or the server's `Retry-After` when that is longer. `Retry-After` is
 * honoured up to `maxMs`, so a misconfigured server cannot stall the tracker for hours.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const backoff = backoffDelayMs(attempt, initialMs, maxMs, random);
  return retryAfterMs === undefined ? backoff : Math.max(Math.min(retryAfterMs, maxMs), backoff);
}
