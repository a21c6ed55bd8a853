/**
 * The tracker: a bounded queue filled by `track()`, drained by up to `maxConcurrentBatches` deliveries at once
 * (so a batch waiting for a retry does not hold up the ones behind it), a flush timer, `flush()` waiters and
 * the shutdown deadline.
 */
import { encodeEvent, type EncodedEvent } from './event.js';
import { WorkshopTrackerError } from './errors.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, resolveOptions, type ResolvedOptions } from './options.js';
import { Pause } from './pause.js';
import { EventQueue } from './queue.js';
import { deliverBatch, type DeliveryContext } from './sender.js';
import { StatsCounter } from './stats.js';
import { postBatch } from './transport.js';
import { unrefTimer, type Timer } from './runtime.js';
import { traceHeaders } from './traceparent.js';
import type { WorkshopEvent } from './events.generated.js';
import type { DropReason, ShutdownOptions, TrackerStats, WorkshopTracker, WorkshopTrackerOptions } from './types.js';

/**
 * Creates a tracker sending to `{options.url}/v1/events`. Throws a TypeError or RangeError at once when an
 * option is invalid; nothing after creation throws.
 */
export function createWorkshopTracker(options: WorkshopTrackerOptions): WorkshopTracker {
  return openTracker(options).tracker;
}

/** A tracker, and `offer()`: track() that tells why an event was dropped (`undefined`: queued). */
export function openTracker(
  options: WorkshopTrackerOptions,
  prefix?: string,
): { tracker: WorkshopTracker; offer: (event: unknown) => DropReason | undefined } {
  const t = new Tracker(resolveOptions(options, prefix));
  const tracker: WorkshopTracker = {
    track: (event) => t.offer(event) === undefined,
    flush: () => t.flush(),
    shutdown: (opts) => t.shutdown(opts),
    stats: () => t.counters.snapshot(t.queue.length),
  };
  return { tracker, offer: (event) => t.offer(event) };
}

class Tracker {
  readonly queue: EventQueue;
  readonly counters: StatsCounter;
  private readonly ctx: DeliveryContext;
  /** Events accepted by track() so far, numbered in that order; batches are cut from the queue in that order. */
  private enqueued = 0;
  /** Send partial batches until this many events have been taken from the queue (flush, timer). */
  private drainTarget = 0;
  private taken = 0;
  /** Batches being delivered: each delivery, and the number of its first event (for flush()). */
  private readonly active = new Map<Promise<void>, number>();
  private timer: Timer | undefined;
  private waiters: { target: number; resolve: () => void }[] = [];
  private closed = false;
  private aborted = false;
  private readonly abort = new AbortController();
  private readonly pause = new Pause();
  private shutdownPromise: Promise<TrackerStats> | undefined;

  constructor(private readonly options: ResolvedOptions) {
    this.queue = new EventQueue(options.maxQueueSize);
    this.counters = new StatsCounter(options.onError, () => this.onSettled());
    this.ctx = {
      options,
      isAborted: () => this.aborted,
      post: (body, headers) =>
        postBatch({
          fetch: options.fetch,
          endpoint: options.endpoint,
          token: options.token,
          body,
          headers,
          timeoutMs: options.requestTimeoutMs,
          signal: this.abort.signal,
        }),
      sleep: (ms) => (this.aborted ? Promise.resolve() : this.pause.sleep(ms, this.waiters.length > 0 || this.closed)),
      requestHeaders: () => traceHeaders(options.getTraceparent),
      now: () => Date.now(),
      delivered: (sent, duplicates) => this.counters.delivered(sent, duplicates),
      dropped: (error) => this.counters.droppedInFlight(error),
      retried: () => this.counters.retried(),
    };
  }

  /** Queues an event; returns why it was dropped, or `undefined` once it is queued. Never throws. */
  offer(event: WorkshopEvent | unknown): DropReason | undefined {
    try {
      if (this.closed) return this.refuse('shutdown', 'tracker is shut down');
      const encoded = encodeEvent(event, this.options.maxBodyBytes);
      if (!encoded.ok) return this.refuse(encoded.reason, encoded.message);
      if (this.options.disabled) return this.refuse('disabled', 'tracker is disabled');
      if (!this.queue.push(encoded.event)) {
        return this.refuse('queue_full', `queue holds ${this.options.maxQueueSize} events`);
      }
      this.counters.queueHasRoom();
      this.enqueued += 1;
      if (this.hasFullBatch()) queueMicrotask(() => this.pump());
      else this.armTimer();
      return undefined;
    } catch {
      return 'internal_error';
    }
  }

  private refuse(reason: DropReason, message: string): DropReason {
    this.counters.droppedAtTrack(reason, message);
    return reason;
  }

  flush(): Promise<void> {
    try {
      const target = this.enqueued;
      if (this.settledBelow() >= target) return Promise.resolve();
      const done = new Promise<void>((resolve) => this.waiters.push({ target, resolve }));
      this.drainTarget = Math.max(this.drainTarget, target);
      this.pause.holdOpen();
      this.pump();
      return done;
    } catch {
      return Promise.resolve();
    }
  }

  shutdown(opts?: ShutdownOptions): Promise<TrackerStats> {
    this.shutdownPromise ??= this.runShutdown(opts?.timeoutMs).catch(() => this.counters.snapshot(this.queue.length));
    return this.shutdownPromise;
  }

  private async runShutdown(timeoutMs: number | undefined): Promise<TrackerStats> {
    const ms = typeof timeoutMs === 'number' && timeoutMs >= 0 ? timeoutMs : DEFAULT_SHUTDOWN_TIMEOUT_MS;
    this.closed = true;
    this.clearTimer();
    let deadline: Timer | undefined;
    const timedOut = await Promise.race([
      this.flush().then(() => false),
      new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(true), ms))),
    ]);
    clearTimeout(deadline);
    if (timedOut) {
      this.aborted = true;
      this.abort.abort();
      this.pause.wake();
      await Promise.all(this.active.keys());
      const rest = this.queue.drain().length;
      this.taken += rest;
      if (rest > 0)
        this.counters.droppedInFlight(
          new WorkshopTrackerError('shutdown', rest, 'shutdown deadline passed before sending'),
          true,
        );
    }
    this.clearTimer();
    return this.counters.snapshot(this.queue.length);
  }

  private hasFullBatch(): boolean {
    return this.queue.length >= this.options.maxBatchSize || this.queue.bytes >= this.options.maxBodyBytes;
  }

  /** Starts deliveries while a slot is free and there is a batch to send. */
  private pump(): void {
    try {
      while (
        !this.aborted &&
        this.active.size < this.options.maxConcurrentBatches &&
        this.queue.length > 0 &&
        (this.hasFullBatch() || this.taken < this.drainTarget)
      ) {
        const first = this.taken;
        const batch = this.queue.takeBatch(this.options.maxBatchSize, this.options.maxBodyBytes);
        this.taken += batch.length;
        this.counters.startBatch(batch.length);
        const delivery = this.deliver(batch).finally(() => {
          this.active.delete(delivery);
          this.onSettled();
          this.pump();
          this.armTimer();
        });
        this.active.set(delivery, first);
      }
    } catch {
      // never throw out of track(), flush() or a timer
    }
  }

  /** Delivers one batch; never rejects. A bug in the sender drops what is left of that batch only. */
  private async deliver(batch: EncodedEvent[]): Promise<void> {
    let open = batch.length;
    const ctx: DeliveryContext = {
      ...this.ctx,
      delivered: (sent, duplicates) => {
        open -= sent + duplicates;
        this.ctx.delivered(sent, duplicates);
      },
      dropped: (error) => {
        open -= error.eventCount;
        this.ctx.dropped(error);
      },
    };
    try {
      await deliverBatch(batch, ctx);
    } catch (err) {
      if (open > 0) {
        const message = `sender failed: ${String(err)}`;
        this.counters.droppedInFlight(new WorkshopTrackerError('internal_error', open, message, { cause: err }));
      }
    }
  }

  /** Every event numbered below this has been delivered or dropped. */
  private settledBelow(): number {
    let low = this.taken;
    for (const first of this.active.values()) low = Math.min(low, first);
    return low;
  }

  private armTimer(): void {
    if (this.timer || this.closed || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drainTarget = Math.max(this.drainTarget, this.taken + this.queue.length);
      this.pump();
    }, this.options.flushIntervalMs);
    unrefTimer(this.timer);
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onSettled(): void {
    const settled = this.settledBelow();
    const ready = this.waiters.filter((w) => w.target <= settled);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.target > settled);
    for (const w of ready) w.resolve();
  }
}
