/**
 * Delivers one batch: retries transient failures with the same body (same event ids), splits a batch the
 * server finds too large, and gives up events for good on permanent answers. Never throws.
 */
import { encodeBody, splitInHalves } from './batch.js';
import { retryDelayMs } from './backoff.js';
import { WorkshopTrackerError } from './errors.js';
import type { EncodedEvent } from './event.js';
import type { ResolvedOptions } from './options.js';
import type { SendOutcome } from './transport.js';
import type { DropReason } from './types.js';

/** What the sender needs from the tracker. */
export interface DeliveryContext {
  readonly options: ResolvedOptions;
  /** True once shutdown's deadline has passed: stop and drop. */
  isAborted(): boolean;
  /** One attempt; `headers` are added to the request's own. */
  post(body: string, headers: Record<string, string>): Promise<SendOutcome>;
  /** Extra headers of a request, asked once before its first attempt (the traceparent hook). */
  requestHeaders(): Record<string, string>;
  /** Waits, or less if aborted meanwhile. */
  sleep(ms: number): Promise<void>;
  /** Milliseconds on a monotonic-enough clock, for the retry time budget. */
  now(): number;
  delivered(sent: number, duplicates: number): void;
  dropped(error: WorkshopTrackerError): void;
  retried(): void;
}

/** Sends `batch` until every event in it is delivered or dropped. */
export async function deliverBatch(batch: EncodedEvent[], ctx: DeliveryContext): Promise<void> {
  const work: EncodedEvent[][] = [batch];
  while (work.length > 0) {
    const current = work.shift() as EncodedEvent[];
    if (ctx.isAborted()) {
      const left = current.length + work.reduce((n, b) => n + b.length, 0);
      ctx.dropped(new WorkshopTrackerError('shutdown', left, 'shutdown deadline passed before delivery'));
      return;
    }
    work.unshift(...(await sendWithRetries(current, ctx)));
  }
}

/**
 * One request body through its retries, within its budget (`maxRetries`, `maxRetryDurationMs` from the first
 * attempt); returns the batches still to send (halves after a 413, the rest after a 400).
 */
async function sendWithRetries(events: EncodedEvent[], ctx: DeliveryContext): Promise<EncodedEvent[][]> {
  const { maxRetries, maxRetryDurationMs, initialBackoffMs, maxBackoffMs } = ctx.options;
  const body = encodeBody(events);
  const headers = ctx.requestHeaders();
  const firstAttemptAt = ctx.now();
  for (let retry = 0; ; retry += 1) {
    const outcome = await ctx.post(body, headers);
    if (outcome.kind === 'delivered') {
      const duplicates = Math.min(outcome.duplicates ?? 0, events.length);
      ctx.delivered(events.length - duplicates, duplicates);
      return [];
    }
    if (ctx.isAborted())
      return drop(ctx, 'shutdown', events.length, `shutdown deadline passed (last attempt: ${outcome.message})`);
    if (outcome.kind === 'drop') return onPermanentFailure(events, outcome, ctx);
    const delay = retryDelayMs(retry, outcome.retryAfterMs, initialBackoffMs, maxBackoffMs);
    const elapsed = ctx.now() - firstAttemptAt;
    if (retry >= maxRetries || elapsed + delay > maxRetryDurationMs) {
      const budget = retry >= maxRetries ? `${maxRetries} retries` : `the ${maxRetryDurationMs} ms retry budget`;
      return drop(
        ctx,
        'retries_exhausted',
        events.length,
        `gave up after ${retry} retries in ${elapsed} ms, reaching ${budget} (last: ${outcome.message})`,
        outcome,
      );
    }
    ctx.retried();
    await ctx.sleep(delay);
    if (ctx.isAborted())
      return drop(ctx, 'shutdown', events.length, `shutdown deadline passed while retrying (${outcome.message})`);
  }
}

function onPermanentFailure(
  events: EncodedEvent[],
  outcome: Extract<SendOutcome, { kind: 'drop' }>,
  ctx: DeliveryContext,
): EncodedEvent[][] {
  if (outcome.reason === 'too_large' && events.length > 1) return splitInHalves(events);
  if (outcome.reason === 'rejected' && outcome.problems) {
    // The server stored nothing. If every problem names an event of this request (whatever the error code:
    // `invalid_events` from validation, `invalid_event` from PostgreSQL), only those events are dropped and
    // the rest resent; a batch-level problem (index -1) or an unknown index drops the whole request.
    const indices = outcome.problems.map((p) => p.index);
    const usable = indices.length > 0 && indices.every((i) => i >= 0 && i < events.length);
    const bad = new Set(usable ? indices : []);
    if (bad.size > 0 && bad.size < events.length) {
      const details = outcome.problems.map((p) => ({ ...p, id: events[p.index]?.id }));
      drop(ctx, 'rejected', bad.size, outcome.message, { status: outcome.status, details });
      return [events.filter((_, i) => !bad.has(i))];
    }
  }
  return drop(ctx, outcome.reason, events.length, outcome.message, {
    status: outcome.status,
    details: outcome.problems,
  });
}

function drop(
  ctx: DeliveryContext,
  reason: DropReason,
  count: number,
  message: string,
  extra: { status?: number; details?: unknown; cause?: unknown } = {},
): [] {
  const { status, details, cause } = extra;
  ctx.dropped(new WorkshopTrackerError(reason, count, message, { status, details, cause }));
  return [];
}
