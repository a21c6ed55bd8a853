/**
 * The tracker against a real HTTP server on 127.0.0.1 that mimics POST /v1/events: it stores events by id
 * (a resent id counts as a duplicate) and can be scripted to fail.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createWorkshopTracker,
  type WorkshopEvent,
  type WorkshopTracker,
  type WorkshopTrackerError,
  type WorkshopTrackerOptions,
} from '../../../packages/client/src/index.js';

const TOKEN = 'test-token';

/**
 * A scripted answer: a status (with headers and body), 'destroy' (network error), 'store-then-destroy' (stored,
 * answer lost), 'hang' (no answer) or 'normal' (the contract's behaviour).
 */
type Scripted =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | 'destroy'
  | 'store-then-destroy'
  | 'hang'
  | 'normal';

interface RequestLog {
  at: number;
  ids: string[];
  status: number | 'destroyed' | 'hung';
}

class FakeIngest {
  readonly stored = new Map<string, Record<string, unknown>>();
  readonly requests: RequestLog[] = [];
  /** Answers for the next requests, in order; then normal behaviour. */
  readonly script: Scripted[] = [];
  /** Answer every request with this when set (after the script). */
  always: Scripted | undefined;
  /** Decides the answer from a request's events, before the script (e.g. a poison batch); undefined: go on. */
  answerFor: ((events: Record<string, unknown>[]) => Scripted | undefined) | undefined;
  /** Milliseconds to wait before answering (to make concurrent requests overlap). */
  delayMs = 0;
  maxBodyBytes = 1024 * 1024;
  inFlight = 0;
  maxInFlight = 0;
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));
  url = '';

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on('close', () => (this.inFlight -= 1));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const events = (parse(raw.toString())?.events ?? []) as Record<string, unknown>[];
    const log: RequestLog = { at: Date.now(), ids: events.map((e) => String(e.id)), status: 0 };
    this.requests.push(log);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const next = this.answerFor?.(events) ?? this.script.shift() ?? this.always;
    if (next === 'destroy' || next === 'hang') {
      log.status = next === 'hang' ? 'hung' : 'destroyed';
      if (next === 'destroy') req.socket.destroy();
      return;
    }
    if (next && next !== 'store-then-destroy' && next !== 'normal') {
      log.status = next.status;
      return reply(
        res,
        next.status,
        next.body ?? { error: { code: 'scripted', message: 'scripted failure' } },
        next.headers,
      );
    }
    const [status, body] = this.answer(req, raw, events);
    log.status = status;
    if (next === 'store-then-destroy') return void req.socket.destroy();
    reply(res, status, body);
  }

  private answer(req: IncomingMessage, raw: Buffer, events: Record<string, unknown>[]): [number, unknown] {
    if (req.method !== 'POST' || req.url !== '/v1/events')
      return [404, { error: { code: 'not_found', message: 'no route' } }];
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return [401, { error: { code: 'unauthorized', message: 'bad token' } }];
    if (req.headers['content-type'] !== 'application/json')
      return [415, { error: { code: 'unsupported', message: 'json only' } }];
    if (raw.length > this.maxBodyBytes) return [413, { error: { code: 'too_large', message: 'body too large' } }];
    if (events.length === 0 || events.length > 1000)
      return [400, { error: { code: 'invalid', message: 'bad batch', details: [] } }];
    const details = events.flatMap((e, index) =>
      typeof e.type === 'string' &&
      e.type.startsWith('workshop_') &&
      typeof e.id === 'string' &&
      typeof e.occurred_at === 'string'
        ? []
        : [{ index, path: 'type', message: 'unknown event type' }],
    );
    if (details.length) return [400, { error: { code: 'invalid_events', message: 'invalid events', details } }];
    let accepted = 0;
    for (const e of events) {
      if (this.stored.has(e.id as string)) continue;
      this.stored.set(e.id as string, e);
      accepted += 1;
    }
    return [202, { accepted, duplicates: events.length - accepted }];
  }
}

function parse(text: string): { events?: unknown[] } | undefined {
  try {
    return JSON.parse(text) as { events?: unknown[] };
  } catch {
    return undefined;
  }
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A signup-funnel event; `extra` may make it any shape (tests of what the tracker does with bad events). */
function event(i: number, extra: Record<string, unknown> = {}): WorkshopEvent {
  return { type: 'workshop_signup_started', session_id: `s-${i}`, ...extra } as WorkshopEvent;
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

let server: FakeIngest;
const trackers: WorkshopTracker[] = [];
const errors: WorkshopTrackerError[] = [];

async function setup(options: Partial<WorkshopTrackerOptions> = {}): Promise<WorkshopTracker> {
  server ??= await new FakeIngest().start();
  const tracker = createWorkshopTracker({
    url: server.url,
    token: TOKEN,
    initialBackoffMs: 5,
    maxBackoffMs: 50,
    flushIntervalMs: 60_000,
    onError: (e) => errors.push(e),
    ...options,
  });
  trackers.push(tracker);
  return tracker;
}

afterEach(async () => {
  await Promise.all(trackers.splice(0).map((t) => t.shutdown({ timeoutMs: 0 })));
  await server?.close();
  server = undefined as unknown as FakeIngest;
  errors.length = 0;
});

describe('batching', () => {
  it('when a batch fills up, then it is sent at once without waiting for the timer', async () => {
    const tracker = await setup({ maxBatchSize: 10 });
    for (let i = 0; i < 25; i++) tracker.track(event(i));
    await waitFor(() => tracker.stats().sent === 20);
    expect(server.stored.size).toBe(20);
    expect(server.requests.map((r) => r.ids.length)).toEqual([10, 10]);
    expect(tracker.stats()).toMatchObject({ queued: 5, sent: 20 });
    await tracker.flush();
    expect(server.requests.map((r) => r.ids.length)).toEqual([10, 10, 5]);
  });

  it('when fewer events than a batch are tracked, then the timer sends them together', async () => {
    const tracker = await setup({ flushIntervalMs: 50 });
    const started = Date.now();
    for (let i = 0; i < 3; i++) tracker.track(event(i));
    await waitFor(() => server.stored.size === 3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(server.requests.map((r) => r.ids.length)).toEqual([3]);
  });

  it('when events would exceed the body limit, then they are split across requests', async () => {
    const tracker = await setup({ maxBodyBytes: 4000 });
    for (let i = 0; i < 10; i++) tracker.track(event(i, { metadata: { pad: 'x'.repeat(900) } }));
    await tracker.flush();
    expect(server.stored.size).toBe(10);
    expect(server.requests.length).toBeGreaterThan(2);
    expect(Math.max(...server.requests.map((r) => r.ids.length))).toBeLessThanOrEqual(4);
  });

  it('when maxConcurrentBatches is 1, then only one request is in flight at a time, in order', async () => {
    const tracker = await setup({ maxBatchSize: 5, maxConcurrentBatches: 1 });
    server.delayMs = 10;
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      tracker.track(event(i));
      expected.push(`s-${i}`);
    }
    await tracker.flush();
    expect(server.maxInFlight).toBe(1);
    expect([...server.stored.values()].map((e) => e.session_id)).toEqual(expected);
  });

  it('when many batches are sent with the defaults, then two requests overlap and never more', async () => {
    const tracker = await setup({ maxBatchSize: 5 });
    server.delayMs = 20;
    for (let i = 0; i < 40; i++) tracker.track(event(i));
    await tracker.flush();
    expect(server.maxInFlight).toBe(2);
    expect(server.requests).toHaveLength(8);
    expect(server.stored.size).toBe(40);
    expect(tracker.stats()).toMatchObject({ sent: 40, duplicates: 0, dropped: 0, queued: 0, inFlight: 0 });
  });
});

describe('retries', () => {
  it('when the server answers 503 twice, then every event arrives exactly once with the same ids', async () => {
    const tracker = await setup();
    server.script.push(
      { status: 503, headers: { 'retry-after': '0' } },
      { status: 503, headers: { 'retry-after': '0' } },
    );
    for (let i = 0; i < 20; i++) tracker.track(event(i));
    await tracker.flush();
    expect(server.requests).toHaveLength(3);
    expect(server.requests[1]?.ids).toEqual(server.requests[0]?.ids);
    expect(server.requests[2]?.ids).toEqual(server.requests[0]?.ids);
    expect(server.stored.size).toBe(20);
    expect(tracker.stats()).toMatchObject({ sent: 20, duplicates: 0, dropped: 0, retries: 2, queued: 0, inFlight: 0 });
  });

  it('when the connection drops or the server answers 500, then the batch is retried until delivered', async () => {
    const tracker = await setup();
    server.script.push('destroy', { status: 500 }, { status: 502 });
    tracker.track(event(1));
    await tracker.flush();
    expect(server.stored.size).toBe(1);
    expect(tracker.stats()).toMatchObject({ sent: 1, retries: 3, dropped: 0 });
  });

  it('when the answer is lost after the server stored the batch, then the resend counts as duplicates', async () => {
    const tracker = await setup();
    server.script.push('store-then-destroy');
    for (let i = 0; i < 4; i++) tracker.track(event(i));
    await tracker.flush();
    expect(server.stored.size).toBe(4);
    expect(tracker.stats()).toMatchObject({ sent: 0, duplicates: 4, dropped: 0, retries: 1 });
  });

  it('when the server asks for Retry-After: 1, then the retry waits a second despite a short backoff', async () => {
    const tracker = await setup({ maxBackoffMs: 5000 });
    server.script.push({ status: 503, headers: { 'retry-after': '1' } });
    tracker.track(event(1));
    await tracker.flush();
    const [first, second] = server.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(server.stored.size).toBe(1);
  });

  it('when a request gets no answer, then it times out and is retried', async () => {
    const tracker = await setup({ requestTimeoutMs: 100 });
    server.script.push('hang');
    tracker.track(event(1));
    await tracker.flush();
    expect(server.stored.size).toBe(1);
    expect(tracker.stats().retries).toBe(1);
  });

  it('when failures outlast maxRetries, then the batch is dropped as retries_exhausted', async () => {
    const tracker = await setup({ maxRetries: 2 });
    server.always = { status: 500 };
    tracker.track(event(1));
    tracker.track(event(2));
    await tracker.flush();
    expect(server.requests).toHaveLength(3);
    expect(tracker.stats()).toMatchObject({ dropped: 2, retries: 2, droppedByReason: { retries_exhausted: 2 } });
    expect(errors.map((e) => e.reason)).toEqual(['retries_exhausted']);
  });
});

describe('exactly once under chaos', () => {
  it('when answers randomly fail, drop or get lost, then every event is stored once and accounted for once', async () => {
    const tracker = await setup({ maxBatchSize: 50, maxRetries: Infinity, flushIntervalMs: 5 });
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const failures: Scripted[] = [
      'destroy',
      'store-then-destroy',
      { status: 503, headers: { 'retry-after': '0' } },
      { status: 500 },
      { status: 429 },
    ];
    for (let i = 0; i < 80; i++)
      server.script.push(random() < 0.5 ? failures[Math.floor(random() * failures.length)]! : 'normal');
    for (let i = 0; i < 1000; i++) tracker.track(event(i));
    await tracker.flush();
    expect(server.stored.size).toBe(1000);
    const stats = tracker.stats();
    expect(stats.sent + stats.duplicates).toBe(1000);
    expect(stats).toMatchObject({ dropped: 0, queued: 0, inFlight: 0 });
    expect(stats.retries).toBeGreaterThan(0);
    expect(stats.duplicates).toBeGreaterThan(0);
  });

  it('when onError throws, then tracking and delivery carry on', async () => {
    const tracker = await setup({
      onError: () => {
        throw new Error('callback bug');
      },
    });
    expect(tracker.track(42 as never)).toBe(false);
    expect(tracker.track(event(1))).toBe(true);
    await tracker.flush();
    expect(server.stored.size).toBe(1);
  });
});

describe('permanent failures', () => {
  it('when the server answers 400 without naming events, then the batch is dropped as rejected and reported', async () => {
    const tracker = await setup();
    server.script.push({ status: 400, body: { error: { code: 'invalid', message: 'nope', details: [] } } });
    for (let i = 0; i < 3; i++) tracker.track(event(i));
    await tracker.flush();
    expect(server.requests).toHaveLength(1);
    expect(tracker.stats()).toMatchObject({ sent: 0, dropped: 3, retries: 0, droppedByReason: { rejected: 3 } });
    expect(errors[0]).toMatchObject({ reason: 'rejected', status: 400, eventCount: 3 });
    expect(errors[0]?.message).toContain('invalid: nope');
  });

  it('when the server names the invalid events of a 400, then only those are dropped and the rest delivered', async () => {
    const tracker = await setup();
    tracker.track(event(0));
    // no metadata.revenue_cents: fails to compile without the cast; the stand-in server refuses it as the real one does
    tracker.track({ type: 'session_completed', workshop_id: crypto.randomUUID() } as unknown as WorkshopEvent);
    tracker.track(event(2));
    await tracker.flush();
    expect([...server.stored.values()].map((e) => e.session_id)).toEqual(['s-0', 's-2']);
    expect(tracker.stats()).toMatchObject({ sent: 2, dropped: 1, droppedByReason: { rejected: 1 } });
    expect(errors[0]?.details).toEqual([expect.objectContaining({ index: 1, path: 'type' })]);
  });

  it('when the token is wrong, then events are dropped as unauthorized without retrying', async () => {
    const tracker = await setup({ token: 'wrong' });
    tracker.track(event(1));
    await tracker.flush();
    expect(tracker.stats()).toMatchObject({ dropped: 1, retries: 0, droppedByReason: { unauthorized: 1 } });
    expect(errors[0]?.status).toBe(401);
  });

  it('when the server answers 413 for a batch, then it is halved until it fits; a lone oversized event is dropped', async () => {
    const tracker = await setup();
    server.maxBodyBytes = 2000;
    for (let i = 0; i < 8; i++) tracker.track(event(i, { metadata: { pad: 'x'.repeat(400) } }));
    tracker.track(event(99, { metadata: { pad: 'x'.repeat(3000) } }));
    await tracker.flush();
    expect(server.stored.size).toBe(8);
    expect(tracker.stats()).toMatchObject({ sent: 8, dropped: 1, retries: 0, droppedByReason: { too_large: 1 } });
    expect(errors.map((e) => [e.reason, e.status])).toEqual([['too_large', 413]]);
  });

  it('when an event alone exceeds maxBodyBytes, then track() refuses it without sending', async () => {
    const tracker = await setup({ maxBodyBytes: 1000 });
    expect(tracker.track(event(1, { metadata: { pad: 'x'.repeat(2000) } }))).toBe(false);
    expect(tracker.stats().droppedByReason.too_large).toBe(1);
  });
});

/** Session ids of the events in a request. */
const sessions = (events: Record<string, unknown>[]) => events.map((e) => String(e.session_id));

/** A 400 of the `invalid_event` kind (what PostgreSQL refused), naming the event at `index` when given. */
function refused(index?: number): Scripted {
  const detail = { ...(index === undefined ? {} : { index }), path: 'metadata', message: 'PostgreSQL refused it' };
  return { status: 400, body: { error: { code: 'invalid_event', message: 'refused', details: [detail] } } };
}

describe('one bad batch never stalls the others', () => {
  it('when a poison batch always gets 500, then a later batch is delivered during its backoff and the poison batch is dropped within its time budget', async () => {
    const tracker = await setup({
      maxBatchSize: 5,
      initialBackoffMs: 200,
      maxBackoffMs: 200,
      maxRetries: Infinity,
      maxRetryDurationMs: 1000,
    });
    server.answerFor = (events) => (sessions(events).some((s) => s.startsWith('poison')) ? { status: 500 } : undefined);
    for (let i = 0; i < 5; i++) tracker.track(event(i, { session_id: `poison-${i}` }));
    await waitFor(() => server.requests.length === 1);
    for (let i = 0; i < 5; i++) tracker.track(event(i, { session_id: `good-${i}` }));
    await waitFor(() => tracker.stats().sent === 5);
    // The good batch is confirmed while the poison batch is still waiting for its next retry.
    expect(server.stored.size).toBe(5);
    expect(tracker.stats()).toMatchObject({ sent: 5, inFlight: 5, dropped: 0 });
    await tracker.flush();

    const poisonIds = server.requests[0]!.ids;
    const arrivals = server.requests.map((r) => (r.ids[0] === poisonIds[0] ? 'poison' : 'good'));
    expect(arrivals.slice(0, 3)).toEqual(['poison', 'good', 'poison']);
    const poisonAttempts = server.requests.filter((r) => r.ids[0] === poisonIds[0]);
    for (const attempt of poisonAttempts) expect(attempt.ids).toEqual(poisonIds);
    // Retries 100-200 ms apart (more than one; at most 1000 / 100 of them), none starting later than 1000 ms
    // after the first attempt (plus timer slack); the time budget, not a retry count, ended them.
    expect(poisonAttempts.length).toBeGreaterThanOrEqual(3);
    expect(poisonAttempts.length).toBeLessThanOrEqual(11);
    expect(poisonAttempts.at(-1)!.at - poisonAttempts[0]!.at).toBeLessThanOrEqual(1000 + 100);
    expect(errors[0]?.message).toContain('reaching the 1000 ms retry budget');
    expect([...server.stored.values()].map((e) => e.session_id)).toEqual([
      'good-0',
      'good-1',
      'good-2',
      'good-3',
      'good-4',
    ]);
    expect(tracker.stats()).toMatchObject({
      sent: 5,
      dropped: 5,
      droppedByReason: { retries_exhausted: 5 },
      retries: poisonAttempts.length - 1,
      inFlight: 0,
      queued: 0,
    });
    expect(errors.map((e) => [e.reason, e.eventCount, e.status])).toEqual([['retries_exhausted', 5, 500]]);
  });

  it('when maxConcurrentBatches is 1, then a later batch waits until the poison batch is given up', async () => {
    const tracker = await setup({ maxBatchSize: 5, maxRetries: 3, maxConcurrentBatches: 1 });
    server.answerFor = (events) => (sessions(events).some((s) => s.startsWith('poison')) ? { status: 500 } : undefined);
    for (let i = 0; i < 5; i++) tracker.track(event(i, { session_id: `poison-${i}` }));
    for (let i = 0; i < 5; i++) tracker.track(event(i, { session_id: `good-${i}` }));
    await tracker.flush();
    expect(server.requests.map((r) => r.ids.length)).toEqual([5, 5, 5, 5, 5]);
    expect(server.requests.map((r) => r.status)).toEqual([500, 500, 500, 500, 202]);
    expect(tracker.stats()).toMatchObject({ sent: 5, dropped: 5, droppedByReason: { retries_exhausted: 5 } });
  });

  it.each(['invalid_event', 'invalid_events'])(
    'when a 400 %s names event index 3 of a 10-event batch, then exactly that event is dropped and the other 9 are delivered once',
    async (code) => {
      const tracker = await setup({ maxBatchSize: 10 });
      server.script.push({
        status: 400,
        body: { error: { code, message: 'bad event', details: [{ index: 3, path: 'metadata', message: 'refused' }] } },
      });
      const ids = Array.from({ length: 10 }, () => crypto.randomUUID());
      ids.forEach((id, i) => tracker.track(event(i, { id })));
      await tracker.flush();

      const withoutFourth = [...ids.slice(0, 3), ...ids.slice(4)];
      expect(server.requests.map((r) => r.ids)).toEqual([ids, withoutFourth]);
      expect([...server.stored.keys()]).toEqual(withoutFourth);
      expect(tracker.stats()).toMatchObject({ sent: 9, duplicates: 0, dropped: 1, droppedByReason: { rejected: 1 } });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ reason: 'rejected', eventCount: 1, status: 400 });
      expect(errors[0]?.details).toEqual([{ index: 3, path: 'metadata', message: 'refused', id: ids[3] }]);
    },
  );

  it('when a 400 invalid_event names the only event sent, then that event is dropped and nothing is resent', async () => {
    const tracker = await setup();
    server.script.push(refused(0));
    tracker.track(event(1));
    await tracker.flush();
    expect(server.requests).toHaveLength(1);
    expect(server.stored.size).toBe(0);
    expect(tracker.stats()).toMatchObject({ sent: 0, dropped: 1, droppedByReason: { rejected: 1 } });
  });

  it.each([
    ['names no event', refused()],
    [
      'reports a batch-level problem',
      {
        status: 400,
        body: {
          error: { code: 'invalid', message: 'bad batch', details: [{ index: -1, path: 'events', message: 'x' }] },
        },
      },
    ],
    ['names an index beyond the batch', refused(10)],
    ['has no details', { status: 400, body: { error: { code: 'invalid_event', message: 'refused' } } }],
  ] as Array<[string, Scripted]>)(
    'when a 400 %s, then the whole batch is dropped as rejected without resending',
    async (_case, answer) => {
      const tracker = await setup({ maxBatchSize: 10 });
      server.script.push(answer);
      for (let i = 0; i < 10; i++) tracker.track(event(i));
      await tracker.flush();
      expect(server.requests).toHaveLength(1);
      expect(tracker.stats()).toMatchObject({ sent: 0, dropped: 10, droppedByReason: { rejected: 10 } });
      expect(errors.map((e) => [e.reason, e.eventCount])).toEqual([['rejected', 10]]);
    },
  );

  it('when poison, refused, invalid and good events mix, then sent plus drops by reason add up to the events tracked', async () => {
    const tracker = await setup({ maxBatchSize: 10, maxRetries: 2 });
    server.answerFor = (events) => {
      if (sessions(events).some((s) => s.startsWith('poison'))) return { status: 500 };
      const refusedAt = sessions(events).indexOf('refused');
      return refusedAt >= 0 ? refused(refusedAt) : undefined;
    };
    let tracked = 0;
    const track = (e: unknown) => (tracked += 1) && tracker.track(e as WorkshopEvent);
    for (let i = 0; i < 10; i++) track(event(i, { session_id: `poison-${i}` }));
    for (let i = 0; i < 10; i++) track(event(i, { session_id: i === 6 ? 'refused' : `mixed-${i}` }));
    track({ type: 'workshop_signup_started', duration_ms: -5 });
    for (let i = 0; i < 7; i++) track(event(i, { session_id: `tail-${i}` }));
    await tracker.flush();

    // Hand count: 10 poison (retries_exhausted), 1 refused (rejected), 1 invalid (at track), 9 + 7 delivered.
    expect(tracked).toBe(28);
    const stats = tracker.stats();
    expect(stats).toMatchObject({
      sent: 16,
      duplicates: 0,
      dropped: 12,
      droppedByReason: { retries_exhausted: 10, rejected: 1, invalid: 1 },
      queued: 0,
      inFlight: 0,
    });
    const dropsByReason = Object.values(stats.droppedByReason).reduce((a, b) => a + b, 0);
    expect(stats.sent + stats.duplicates + dropsByReason).toBe(tracked);
    expect(server.stored.size).toBe(16);
  });
});

describe('track()', () => {
  it('when given garbage, then it returns false, counts it invalid and never throws', async () => {
    const tracker = await setup();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('boom');
        },
      },
    );
    const garbage: unknown[] = [
      undefined,
      null,
      42,
      'event',
      [],
      {},
      { type: 7 },
      { type: '' },
      { type: 'workshop_signup_started', id: 'not-a-uuid' },
      { type: 'workshop_signup_started', duration_ms: -1 },
      { type: 'workshop_signup_started', bogus: 1 },
      { type: 'workshop_signup_started', occurred_at: 'yesterday' },
      { type: 'workshop_signup_started', metadata: circular },
      { type: 'workshop_signup_started', metadata: { n: 10n } },
      { type: 'workshop_signup_started', occurred_at: new Date(NaN) },
      hostile,
    ];
    for (const g of garbage) expect(tracker.track(g as WorkshopEvent)).toBe(false);
    expect(tracker.stats()).toMatchObject({ dropped: garbage.length, droppedByReason: { invalid: garbage.length } });
    expect(tracker.track(event(1))).toBe(true);
    await tracker.flush();
    expect(server.stored.size).toBe(1);
  });

  it('when the event has its own id and a Date, then both are kept; changing the object later changes nothing', async () => {
    const tracker = await setup();
    const id = crypto.randomUUID();
    const e = event(1, { id, occurred_at: new Date('2024-05-01T10:00:00Z'), user_id: null });
    tracker.track(e);
    e.session_id = 'changed';
    await tracker.flush();
    expect(server.stored.get(id)).toEqual({
      id,
      type: 'workshop_signup_started',
      session_id: 's-1',
      occurred_at: '2024-05-01T10:00:00.000Z',
    });
  });

  it('when the queue is full, then new events are dropped, counted and reported once', async () => {
    const tracker = await setup({ maxQueueSize: 5 });
    const results = Array.from({ length: 8 }, (_, i) => tracker.track(event(i)));
    expect(results).toEqual([true, true, true, true, true, false, false, false]);
    expect(tracker.stats()).toMatchObject({ queued: 5, dropped: 3, droppedByReason: { queue_full: 3 } });
    expect(errors.map((e) => e.reason)).toEqual(['queue_full']);
    await tracker.flush();
    expect(server.stored.size).toBe(5);
  });
});

describe('flush() and shutdown()', () => {
  it('when flush() resolves, then every event tracked before it is stored', async () => {
    const tracker = await setup();
    server.script.push({ status: 503 });
    for (let i = 0; i < 7; i++) tracker.track(event(i));
    await tracker.flush();
    expect(server.stored.size).toBe(7);
    expect(tracker.stats()).toMatchObject({ queued: 0, inFlight: 0, sent: 7 });
    await expect(tracker.flush()).resolves.toBeUndefined();
  });

  it('when shutdown() is called on a healthy server, then it delivers everything and refuses later events', async () => {
    const tracker = await setup();
    for (let i = 0; i < 5; i++) tracker.track(event(i));
    const stats = await tracker.shutdown();
    expect(server.stored.size).toBe(5);
    expect(stats).toMatchObject({ sent: 5, dropped: 0 });
    expect(tracker.track(event(9))).toBe(false);
    expect(tracker.stats().droppedByReason.shutdown).toBe(1);
  });

  it('when the server is down, then shutdown() resolves at its deadline and counts the rest as dropped', async () => {
    const tracker = await setup({ maxBatchSize: 3, maxRetries: Infinity });
    server.always = 'destroy';
    for (let i = 0; i < 10; i++) tracker.track(event(i));
    const started = Date.now();
    const stats = await tracker.shutdown({ timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(stats).toMatchObject({ queued: 0, inFlight: 0, sent: 0, dropped: 10, droppedByReason: { shutdown: 10 } });
    expect(await tracker.shutdown()).toEqual(stats);
  });

  it('when a request hangs at the deadline, then shutdown() aborts it and still resolves', async () => {
    const tracker = await setup();
    server.always = 'hang';
    tracker.track(event(1));
    const stats = await tracker.shutdown({ timeoutMs: 100 });
    expect(stats.droppedByReason.shutdown).toBe(1);
  });
});
