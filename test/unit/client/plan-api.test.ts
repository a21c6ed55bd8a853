/**
 * The plan's API around the default tracker (configureWorkshopAnalytics, trackWorkshopEvent, flushWorkshopEvents,
 * shutdownWorkshopAnalytics), the `disabled` option and the `getTraceparent` hook, against a real HTTP server on
 * 127.0.0.1 that stores what POST /v1/events receives and records its headers.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  configureWorkshopAnalytics,
  createWorkshopTracker,
  flushWorkshopEvents,
  shutdownWorkshopAnalytics,
  trackWorkshopEvent,
  type TrackEventParams,
  type WorkshopTrackerError,
} from '../../../packages/client/src/node.js';

const TOKEN = 'plan-api-token';
const STATE = Symbol.for('@theautodoctor/workshop-analytics-client/default-tracker');

interface Received {
  headers: IncomingHttpHeaders;
  events: Record<string, unknown>[];
}

/** Stores every request; answers 202, or the next status of `failFirst`. */
class Sink {
  readonly requests: Received[] = [];
  readonly failFirst: number[] = [];
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const events = (JSON.parse(body) as { events: Record<string, unknown>[] }).events;
      this.requests.push({ headers: req.headers, events });
      const status = this.failFirst.shift();
      res.writeHead(status ?? 202, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(status ? { error: { code: 'x', message: 'x' } } : { accepted: events.length, duplicates: 0 }),
      );
    });
  });
  url = '';

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get events(): Record<string, unknown>[] {
    return this.requests.flatMap((r) => r.events);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
  }
}

let sink: Sink;

beforeEach(async () => {
  delete (globalThis as Record<symbol, unknown>)[STATE];
  delete process.env.WORKSHOP_ANALYTICS_URL;
  delete process.env.WORKSHOP_ANALYTICS_TOKEN;
  sink = await new Sink().start();
});

afterEach(async () => {
  await shutdownWorkshopAnalytics({ timeoutMs: 1000 });
  delete (globalThis as Record<symbol, unknown>)[STATE];
  delete process.env.WORKSHOP_ANALYTICS_URL;
  delete process.env.WORKSHOP_ANALYTICS_TOKEN;
  vi.restoreAllMocks();
  await sink.close();
});

const WORKSHOP = '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03';
const ADMIN = '0b7e1c03-3b1d-4c2e-9a41-6d2f8b7e5f0c';

describe('trackWorkshopEvent', () => {
  it("when given the plan's camelCase parameters, then the service receives them under their wire names", async () => {
    configureWorkshopAnalytics({ url: sink.url, token: TOKEN });
    const occurredAt = new Date('2026-12-01T10:00:00.000Z');
    const result = await trackWorkshopEvent({
      eventType: 'page_viewed',
      workshopId: WORKSHOP,
      userId: ADMIN,
      sessionId: 's-1',
      metadata: { path: '/dashboard' },
      success: true,
      errorMessage: 'slow',
      durationMs: 1234,
      occurredAt,
    });
    expect(result).toEqual({ queued: true, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    await flushWorkshopEvents();
    expect(sink.events).toEqual([
      {
        id: result.id,
        type: 'page_viewed',
        workshop_id: WORKSHOP,
        user_id: ADMIN,
        session_id: 's-1',
        metadata: { path: '/dashboard' },
        success: true,
        error_message: 'slow',
        duration_ms: 1234,
        occurred_at: '2026-12-01T10:00:00.000Z',
      },
    ]);
    expect(sink.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('when it was never configured, then it resolves with not_configured and warns once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = await trackWorkshopEvent({ eventType: 'workshop_approved', workshopId: WORKSHOP, adminId: ADMIN });
    const second = await trackWorkshopEvent({ eventType: 'workshop_dashboard_accessed', workshopId: WORKSHOP });
    expect(first).toMatchObject({ queued: false, reason: 'not_configured' });
    expect(second).toMatchObject({ queued: false, reason: 'not_configured' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/WORKSHOP_ANALYTICS_URL and WORKSHOP_ANALYTICS_TOKEN/);
    await flushWorkshopEvents();
    expect(sink.requests).toEqual([]);
  });

  it('when WORKSHOP_ANALYTICS_URL and _TOKEN are set, then the first use configures the default tracker', async () => {
    process.env.WORKSHOP_ANALYTICS_URL = sink.url;
    process.env.WORKSHOP_ANALYTICS_TOKEN = TOKEN;
    const result = await trackWorkshopEvent({ eventType: 'workshop_dashboard_accessed', workshopId: WORKSHOP });
    expect(result.queued).toBe(true);
    await flushWorkshopEvents();
    expect(sink.events.map((e) => e.id)).toEqual([result.id]);
  });

  it('when the environment holds an invalid URL, then events are dropped as not_configured with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    process.env.WORKSHOP_ANALYTICS_URL = 'not a url';
    process.env.WORKSHOP_ANALYTICS_TOKEN = TOKEN;
    const result = await trackWorkshopEvent({ eventType: 'workshop_dashboard_accessed', workshopId: WORKSHOP });
    expect(result).toMatchObject({ queued: false, reason: 'not_configured' });
    expect(String(warn.mock.calls[0]![0])).toMatch(/url must be an absolute http\(s\) URL/);
  });

  it('when given anything at all, then it never throws nor rejects', async () => {
    const errors: WorkshopTrackerError[] = [];
    configureWorkshopAnalytics({ url: sink.url, token: TOKEN, onError: (e) => errors.push(e) });
    const hostile: unknown[] = [
      null,
      undefined,
      42,
      'session_completed',
      [],
      { eventType: 'session_completed', workshopId: WORKSHOP, ipAddress: '127.0.0.1', metadata: { revenue_cents: 1 } },
      {
        get eventType() {
          throw new Error('boom');
        },
      },
      new Proxy(
        {},
        {
          ownKeys() {
            throw new Error('proxy');
          },
        },
      ),
    ];
    for (const params of hostile) {
      const result = await trackWorkshopEvent(params as TrackEventParams);
      expect(result.queued).toBe(false);
    }
    expect(errors.map((e) => e.message)).toContain('1 event(s) dropped (invalid): unknown field "ipAddress"');
    await flushWorkshopEvents();
    expect(sink.requests).toEqual([]);
  });

  it('when configured again, then the earlier tracker delivers what it holds and the new one takes over', async () => {
    const other = await new Sink().start();
    try {
      configureWorkshopAnalytics({ url: other.url, token: TOKEN, flushIntervalMs: 60_000 });
      const early = await trackWorkshopEvent({ eventType: 'workshop_dashboard_accessed', workshopId: WORKSHOP });
      configureWorkshopAnalytics({ url: sink.url, token: TOKEN });
      const late = await trackWorkshopEvent({ eventType: 'workshop_dashboard_accessed', workshopId: WORKSHOP });
      await flushWorkshopEvents();
      await vi.waitFor(() => expect(other.events.map((e) => e.id)).toEqual([early.id]));
      expect(sink.events.map((e) => e.id)).toEqual([late.id]);
    } finally {
      await other.close();
    }
  });

  it('when shut down, then it resolves with the final stats and later events are dropped as shutdown', async () => {
    configureWorkshopAnalytics({ url: sink.url, token: TOKEN, flushIntervalMs: 60_000 });
    await trackWorkshopEvent({ eventType: 'workshop_dashboard_accessed', workshopId: WORKSHOP });
    const stats = await shutdownWorkshopAnalytics();
    expect(stats).toMatchObject({ sent: 1, dropped: 0, queued: 0, inFlight: 0 });
    const after = await trackWorkshopEvent({ eventType: 'workshop_dashboard_accessed', workshopId: WORKSHOP });
    expect(after).toMatchObject({ queued: false, reason: 'shutdown' });
  });
});

describe('configuration errors', () => {
  it('when configureWorkshopAnalytics gets a bad option, then it throws at once naming itself, and nothing is set up', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(() => configureWorkshopAnalytics({ url: 'ftp://x', token: TOKEN })).toThrow(
      new TypeError('configureWorkshopAnalytics: url must be an absolute http(s) URL, got "ftp://x"'),
    );
    const result = await trackWorkshopEvent({ eventType: 'workshop_dashboard_accessed', workshopId: WORKSHOP });
    expect(result).toMatchObject({ queued: false, reason: 'not_configured' });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('when disabled is not a boolean, or a sending tracker lacks its token, then creation throws', () => {
    expect(() => createWorkshopTracker({ disabled: 'yes' } as never)).toThrow(
      new TypeError('createWorkshopTracker: disabled must be a boolean, got "yes"'),
    );
    expect(() => createWorkshopTracker({ url: sink.url, disabled: false } as never)).toThrow(
      new TypeError('createWorkshopTracker: token must be a non-empty string'),
    );
    expect(() => createWorkshopTracker({ url: '', token: '', disabled: true })).not.toThrow();
  });
});

describe('disabled: true', () => {
  it('when disabled, then nothing is sent, valid events count as disabled and invalid ones as invalid', async () => {
    const errors: WorkshopTrackerError[] = [];
    const tracker = createWorkshopTracker({ disabled: true, onError: (e) => errors.push(e) });
    expect(tracker.track({ type: 'workshop_dashboard_accessed', workshop_id: WORKSHOP })).toBe(false);
    expect(tracker.track({ type: 'workshop_approved', workshop_id: WORKSHOP, admin_id: ADMIN })).toBe(false);
    expect(tracker.track({ type: 'workshop_approved', workshop_id: 'not-a-uuid', admin_id: ADMIN })).toBe(false);
    await tracker.flush();
    const stats = await tracker.shutdown();
    expect(stats.dropped).toBe(3);
    expect(stats.droppedByReason.disabled).toBe(2);
    expect(stats.droppedByReason.invalid).toBe(1);
    expect(stats.sent).toBe(0);
    expect(errors.map((e) => e.reason)).toEqual(['invalid']);
  });

  it('when the default tracker is disabled, then trackWorkshopEvent resolves with the reason disabled', async () => {
    configureWorkshopAnalytics({ url: sink.url, token: TOKEN, disabled: true });
    const result = await trackWorkshopEvent({ eventType: 'workshop_dashboard_accessed', workshopId: WORKSHOP });
    expect(result).toMatchObject({ queued: false, reason: 'disabled' });
    await flushWorkshopEvents();
    expect(sink.requests).toEqual([]);
  });
});

describe('getTraceparent', () => {
  const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('when the hook returns a traceparent, then each attempt of the request carries it, asked once', async () => {
    const hook = vi.fn(() => TRACEPARENT);
    sink.failFirst.push(503);
    const tracker = createWorkshopTracker({ url: sink.url, token: TOKEN, getTraceparent: hook, initialBackoffMs: 10 });
    tracker.track({ type: 'workshop_dashboard_accessed', workshop_id: WORKSHOP });
    await tracker.shutdown();
    expect(sink.requests.map((r) => r.headers.traceparent)).toEqual([TRACEPARENT, TRACEPARENT]);
    expect(hook).toHaveBeenCalledTimes(1);
  });

  it('when the hook returns something else or throws, then the request goes without the header', async () => {
    const values = [
      () => 'garbage',
      () => undefined,
      () => {
        throw new Error('no span');
      },
    ];
    for (const getTraceparent of values) {
      const tracker = createWorkshopTracker({ url: sink.url, token: TOKEN, getTraceparent });
      tracker.track({ type: 'workshop_dashboard_accessed', workshop_id: WORKSHOP });
      await tracker.shutdown();
    }
    expect(sink.requests).toHaveLength(3);
    expect(sink.requests.map((r) => r.headers.traceparent)).toEqual([undefined, undefined, undefined]);
  });
});
