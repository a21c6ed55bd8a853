/**
 * Group commit: requests hand their validated events to the writer, which writes everything that queued up
 * while the previous flush ran as one transaction, and answers each request only after that commit. Under
 * load, flushes grow instead of queries multiplying, so throughput does not hinge on one round trip per
 * request.
 */
import type { Config } from '../config.js';
import { AppError, unavailable } from '../errors.js';
import type { NormalizedEvent } from './event-schema.js';
import type { IngestMetrics } from './ingest-metrics.js';
import { locateRefused, refusedRequest } from './refused-events.js';
import { StoreFailure } from './store-failure.js';

export interface SubmitResult {
  accepted: number;
  duplicates: number;
}

/** Where the writer stores flushes (EventStore); failures it can act on are StoreFailures. */
export interface EventSink {
  /** Stores events with unique ids; resolves to the ids that were new. */
  insert(events: readonly NormalizedEvent[]): Promise<Set<string>>;
  /** Tries the write of `events` and rolls it back (nothing is stored); fails as insert would. */
  probe(events: readonly NormalizedEvent[]): Promise<void>;
  forgetPartitions(): void;
}

export interface EventWriterOptions {
  /** Most events in one flush (a request is never split). */
  maxEventsPerFlush: number;
  /** Flushes running at once. */
  concurrency: number;
  /** Most events waiting; beyond it submit() fails with 503 overloaded. */
  maxPendingEvents: number;
  /** Most body bytes of requests not yet answered (waiting or in a flush); beyond it 503 overloaded (default: none). */
  maxPendingBytes?: number;
}

/** What submit() knows of the request behind the events. */
export interface SubmitOptions {
  /** Size of the request body the events came in (counted against maxPendingBytes until answered). */
  bytes?: number;
  /** True once nobody waits for the answer (the client closed its connection): dropped before its flush. */
  gone?: () => boolean;
}

/** The writer's options as configured: INGEST_FLUSH_MAX_EVENTS, _FLUSH_CONCURRENCY, _MAX_PENDING_EVENTS, _BYTES. */
export function writerOptions(
  config: Pick<Config, 'flushMaxEvents' | 'flushConcurrency' | 'maxPendingEvents' | 'maxPendingBytes'>,
): EventWriterOptions {
  return {
    maxEventsPerFlush: config.flushMaxEvents,
    concurrency: config.flushConcurrency,
    maxPendingEvents: config.maxPendingEvents,
    maxPendingBytes: config.maxPendingBytes,
  };
}

interface Pending {
  events: NormalizedEvent[];
  bytes: number;
  gone: (() => boolean) | undefined;
  resolve: (r: SubmitResult) => void;
  reject: (e: unknown) => void;
}

const MAX_ATTEMPTS = 3;

export class EventWriter {
  private queue: Pending[] = [];
  private pendingEvents = 0;
  private pendingBytes = 0;
  private active = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly sink: EventSink,
    private readonly opts: EventWriterOptions,
    private readonly metrics: IngestMetrics,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /**
   * Resolves once the events are committed (or were already stored); rejects with AppError otherwise. The caller
   * counts refusals (rejected{reason}); the writer does not, so a refused request is counted once.
   */
  submit(events: NormalizedEvent[], opts: SubmitOptions = {}): Promise<SubmitResult> {
    if (this.closed)
      return Promise.reject(new AppError('shutting_down', 503, 'the service is shutting down; retry', undefined, 1));
    const bytes = opts.bytes ?? 0;
    if (
      this.pendingEvents + events.length > this.opts.maxPendingEvents ||
      this.pendingBytes + bytes > (this.opts.maxPendingBytes ?? Infinity)
    ) {
      return Promise.reject(
        new AppError(
          'overloaded',
          503,
          'too many events waiting to be written; nothing was stored, retry',
          undefined,
          1,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ events, bytes, gone: opts.gone, resolve, reject });
      this.pendingEvents += events.length;
      this.pendingBytes += bytes;
      this.metrics.pending(this.pendingEvents);
      this.pump();
    });
  }

  /** Stops accepting and resolves when every accepted request has been answered. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.active === 0 && this.queue.length === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    while (this.active < this.opts.concurrency && this.queue.length > 0) {
      const group: Pending[] = [];
      let size = 0;
      let bytes = 0;
      while (
        this.queue.length > 0 &&
        (group.length === 0 || size + this.queue[0]!.events.length <= this.opts.maxEventsPerFlush)
      ) {
        const p = this.queue.shift()!;
        if (p.gone?.()) {
          // Nobody waits for this answer: not written (the client never saw an acknowledgement).
          this.pendingEvents -= p.events.length;
          this.pendingBytes -= p.bytes;
          p.reject(new AppError('client_gone', 499, 'the client closed the connection; nothing was stored'));
          continue;
        }
        group.push(p);
        size += p.events.length;
        bytes += p.bytes;
      }
      this.pendingEvents -= size;
      this.metrics.pending(this.pendingEvents);
      if (group.length === 0) break;
      this.active++;
      void this.flushGroup(group).finally(() => {
        this.active--;
        this.pendingBytes -= bytes;
        this.pump();
        this.notifyIfIdle();
      });
    }
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.active === 0 && this.queue.length === 0) this.idleWaiters.splice(0).forEach((w) => w());
  }

  private async flushGroup(group: Pending[]): Promise<void> {
    // The first occurrence of an id in the group is the one that may be stored.
    const first = new Map<string, NormalizedEvent>();
    for (const p of group) for (const e of p.events) if (!first.has(e.id)) first.set(e.id, e);
    const unique = [...first.values()];
    const started = performance.now();
    try {
      const fresh = await this.insertWithRetry(unique);
      this.metrics.flush(unique.length, (performance.now() - started) / 1000);
      this.metrics.eventsStored(unique.filter((e) => fresh.has(e.id)));
      for (const p of group) {
        let accepted = 0;
        for (const e of p.events) {
          if (fresh.has(e.id) && first.get(e.id) === e) accepted++;
        }
        this.metrics.duplicates(p.events.length - accepted);
        p.resolve({ accepted, duplicates: p.events.length - accepted });
      }
    } catch (err) {
      if (err instanceof StoreFailure && err.kind === 'unavailable') {
        this.metrics.writeError('unavailable');
        // the connection may have dropped during the commit: the client cannot know, its ids make retries safe
        const e = unavailable(
          'the database is unavailable (unreachable, read-only or out of disk); the events may not have been stored; ' +
            'retry with the same ids',
          5,
        );
        group.forEach((p) => p.reject(e));
        return;
      }
      if (err instanceof StoreFailure && err.kind === 'data_error') {
        // A client's value only PostgreSQL refuses: halve the flush by request until the refused requests stand
        // alone (about 2·log2(n) flushes for one of n), so every other request is stored and answered 202.
        if (group.length > 1) {
          const mid = Math.ceil(group.length / 2);
          await this.flushGroup(group.slice(0, mid));
          await this.flushGroup(group.slice(mid));
          return;
        }
        await this.rejectRefused(group[0]!, unique);
        return;
      }
      this.metrics.writeError('other');
      if (group.length > 1) {
        // Isolate the failing request so the others still land.
        for (const p of group) await this.flushGroup([p]);
        return;
      }
      this.onError(err);
      group[0]!.reject(new AppError('write_failed', 500, 'the events could not be stored; nothing was stored'));
    }
  }

  /** Answers 400 invalid_event to a request the database refused, naming its refused events where it can. */
  private async rejectRefused(p: Pending, unique: readonly NormalizedEvent[]): Promise<void> {
    // `unique` holds the request's events without repeated ids; name them by their index in the request
    const positions = await locateRefused((events) => this.sink.probe(events), unique);
    const indexes = positions.map((i) => p.events.indexOf(unique[i]!));
    this.metrics.rejected('database_rejected', p.events.length);
    p.reject(refusedRequest(indexes));
  }

  private async insertWithRetry(events: NormalizedEvent[]): Promise<Set<string>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sink.insert(events);
      } catch (err) {
        const kind = err instanceof StoreFailure ? err.kind : undefined;
        if (attempt >= MAX_ATTEMPTS) throw err;
        if (kind === 'partition_missing') this.sink.forgetPartitions();
        else if (kind === 'retryable') this.metrics.writeError('retryable');
        else throw err;
      }
    }
  }
}
