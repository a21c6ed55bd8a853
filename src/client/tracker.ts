/**
 * The tracker: a bounded queue filled by `track()`, drained by one sender loop (one request in flight at a
 * time, batches in order), a flush timer, `flush()` waiters and the shutdown deadline.
 */
import { encodeEvent } from './event.js';
import { WorkshopTrackerError } from './errors.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, resolveOptions, type ResolvedOptions } from './options.js';
import { Pause } from './pause.js';
import { EventQueue } from './queue.js';
import { deliverBatch, type DeliveryContext } from './sender.js';
import { StatsCounter } from './stats.js';
import { postBatch } from './transport.js';
import type { ShutdownOptions, TrackerStats, WorkshopEvent, WorkshopTracker, WorkshopTrackerOptions } from './types.js';

/**
 * Creates a tracker sending to `{options.url}/v1/events`. Throws a TypeError or RangeError at once when an
 * option is invalid; nothing after creation throws.
 */
export function createWorkshopTracker(options: WorkshopTrackerOptions): WorkshopTracker {
  const tracker = new Tracker(resolveOptions(options));
  return {
    track: (event) => tracker.track(event),
    flush: () => tracker.flush(),
    shutdown: (opts) => tracker.shutdown(opts),
    stats: () => tracker.counters.snapshot(tracker.queue.length),
  };
}

class Tracker {
  readonly queue: EventQueue;
  readonly counters: StatsCounter;
  private readonly ctx: DeliveryContext;
  /** Events accepted by track() so far; the sender settles (delivers or drops) them in this order. */
  private enqueued = 0;
  /** Send partial batches until this many events have been taken from the queue (flush, timer). */
  private drainTarget = 0;
  private taken = 0;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
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
      post: (body) =>
        postBatch({
          fetch: options.fetch,
          endpoint: options.endpoint,
          token: options.token,
          body,
          timeoutMs: options.requestTimeoutMs,
          signal: this.abort.signal,
        }),
      sleep: (ms) => (this.aborted ? Promise.resolve() : this.pause.sleep(ms, this.waiters.length > 0 || this.closed)),
      delivered: (sent, duplicates) => this.counters.delivered(sent, duplicates),
      dropped: (error) => this.counters.droppedInFlight(error),
      retried: () => this.counters.retried(),
    };
  }

  track(event: WorkshopEvent): boolean {
    try {
      if (this.closed) return this.counters.droppedAtTrack('shutdown', 'tracker is shut down');
      const encoded = encodeEvent(event, this.options.maxBodyBytes);
      if (!encoded.ok) return this.counters.droppedAtTrack(encoded.reason, encoded.message);
      if (!this.queue.push(encoded.event)) {
        return this.counters.droppedAtTrack('queue_full', `queue holds ${this.options.maxQueueSize} events`);
      }
      this.counters.queueHasRoom();
      this.enqueued += 1;
      if (this.hasFullBatch()) queueMicrotask(() => this.pump());
      else this.armTimer();
      return true;
    } catch {
      return false;
    }
  }

  flush(): Promise<void> {
    try {
      const target = this.enqueued;
      if (this.counters.settled >= target) return Promise.resolve();
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
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.flush().then(() => false),
      new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(true), ms))),
    ]);
    clearTimeout(deadline);
    if (timedOut) {
      this.aborted = true;
      this.abort.abort();
      this.pause.wake();
      await this.loop;
      const rest = this.queue.drain().length;
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

  /** Starts the sender loop unless it runs. */
  private pump(): void {
    if (this.loop || this.aborted) return;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    try {
      while (!this.aborted && this.queue.length > 0 && (this.hasFullBatch() || this.taken < this.drainTarget)) {
        const batch = this.queue.takeBatch(this.options.maxBatchSize, this.options.maxBodyBytes);
        this.taken += batch.length;
        this.counters.startBatch(batch.length);
        try {
          await deliverBatch(batch, this.ctx);
        } catch (err) {
          this.counters.abandonInFlight(err);
        }
      }
    } catch {
      // never leave the loop by throwing
    } finally {
      this.loop = undefined;
      this.armTimer();
    }
  }

  private armTimer(): void {
    if (this.timer || this.closed || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drainTarget = Math.max(this.drainTarget, this.taken + this.queue.length);
      this.pump();
    }, this.options.flushIntervalMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onSettled(): void {
    const settled = this.counters.settled;
    const ready = this.waiters.filter((w) => w.target <= settled);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.target > settled);
    for (const w of ready) w.resolve();
  }
}
