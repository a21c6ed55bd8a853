import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/catalogue/event-catalogue.js';
import { ev, signupSuccess, uuid } from '../support/events.js';
import { INGEST_TOKEN, postEvents, startTestService } from '../support/service.js';

type TestService = Awaited<ReturnType<typeof startTestService>>;

describe('POST /v1/events against real PostgreSQL', () => {
  let svc: TestService;
  const count = async (where = 'true', params: unknown[] = []) =>
    Number((await svc.pool.query(`SELECT count(*) AS n FROM workshop_events WHERE ${where}`, params)).rows[0].n);

  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('when one event is posted, then it is stored with its catalogue category and answered 202 after commit', async () => {
    const e = ev('email_invite_failed', { workshop_id: uuid(), error_message: 'Resend API 500', duration_ms: 1500 });
    const res = await postEvents(svc.url, e);
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ accepted: 1, duplicates: 0 });
    const row = (await svc.pool.query('SELECT * FROM workshop_events WHERE id = $1', [e.id])).rows[0];
    expect(row).toMatchObject({
      event_type: 'email_invite_failed',
      event_category: 'email',
      success: true,
      error_message: 'Resend API 500',
      duration_ms: 1500,
    });
    expect(row.created_at).toBeInstanceOf(Date);
  });

  it('when the same id is retried, then it is stored once and counted as a duplicate', async () => {
    const e = ev('workshop_dashboard_accessed', { workshop_id: uuid(), occurred_at: '2026-11-01T10:00:00Z' });
    expect((await postEvents(svc.url, e)).json).toEqual({ accepted: 1, duplicates: 0 });
    // a retry with a different occurred_at is still the same event
    expect((await postEvents(svc.url, { ...e, occurred_at: '2026-11-02T10:00:00Z' })).json).toEqual({
      accepted: 0,
      duplicates: 1,
    });
    expect((await postEvents(svc.url, { events: [e, e] })).json).toEqual({ accepted: 0, duplicates: 2 });
    expect(await count('id = $1', [e.id])).toBe(1);
  });

  it('when a batch repeats an id, then the first copy is stored and the second counted as duplicate', async () => {
    const e = ev('workshop_signup_started', { session_id: 's-1' });
    const res = await postEvents(svc.url, { events: [e, ev('workshop_signup_step_1', { session_id: 's-1' }), e] });
    expect(res.json).toEqual({ accepted: 2, duplicates: 1 });
  });

  it('when a batch holds one invalid event, then nothing is stored and the error names it', async () => {
    const before = await count();
    const ws = uuid();
    const batch = [
      signupSuccess(ws, '2026-11-03T09:00:00Z'),
      ev('workshop_approved', { workshop_id: ws }), // admin_id missing
      ev('mechanic_invited', { workshop_id: ws, metadata: {} }), // invite_id missing
    ];
    const res = await postEvents(svc.url, { events: batch });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'validation_failed' });
    expect((res.json.error as { details: unknown[] }).details).toEqual([
      { index: 1, path: 'admin_id', message: 'required for workshop_approved' },
      expect.objectContaining({ index: 2, path: 'metadata.invite_id' }),
    ]);
    expect(await count()).toBe(before);
    expect(
      (await svc.pool.query('SELECT count(*)::int AS n FROM workshops WHERE workshop_id = $1', [ws])).rows[0].n,
    ).toBe(0);
  });

  it.each([
    ['an unknown type', { type: 'workshop_exploded', workshop_id: uuid() }, 'type'],
    ['an unknown field', { type: 'workshop_dashboard_accessed', workshop_id: uuid(), colour: 'red' }, ''],
    ['a non-uuid workshop id', { type: 'workshop_dashboard_accessed', workshop_id: 'abc' }, 'workshop_id'],
    ['a signup step without session_id', { type: 'workshop_signup_step_2' }, 'session_id'],
    [
      'a signup success without city',
      { type: 'workshop_signup_success', workshop_id: uuid(), metadata: { name: 'X' } },
      'metadata.city',
    ],
    [
      'a session without revenue',
      { type: 'session_completed', workshop_id: uuid(), metadata: {} },
      'metadata.revenue_cents',
    ],
    [
      'negative revenue',
      { type: 'session_completed', workshop_id: uuid(), metadata: { revenue_cents: -1 } },
      'metadata.revenue_cents',
    ],
    ['a failed email without error_message', { type: 'email_approval_failed', workshop_id: uuid() }, 'error_message'],
    [
      'an acceptance without mechanic_id',
      { type: 'mechanic_invite_accepted', workshop_id: uuid(), metadata: { invite_id: 'i' } },
      'mechanic_id',
    ],
    [
      'occurred_at without zone',
      { type: 'workshop_dashboard_accessed', workshop_id: uuid(), occurred_at: '2026-11-01T10:00:00' },
      'occurred_at',
    ],
    [
      'a negative duration',
      { type: 'workshop_dashboard_accessed', workshop_id: uuid(), duration_ms: -5 },
      'duration_ms',
    ],
    [
      'a bad IP address',
      { type: 'workshop_dashboard_accessed', workshop_id: uuid(), ip_address: '300.1.1.1' },
      'ip_address',
    ],
    [
      'metadata over 16 KiB',
      { type: 'workshop_dashboard_accessed', workshop_id: uuid(), metadata: { blob: 'x'.repeat(17_000) } },
      'metadata',
    ],
  ])('when an event has %s, then 400 names the path %j', async (_name, event, path) => {
    const before = await count();
    const res = await postEvents(svc.url, event);
    expect(res.status).toBe(400);
    const details = (res.json.error as { details: Array<{ index: number; path: string }> }).details;
    expect(details.map((d) => d.path)).toContain(path);
    expect(details[0]!.index).toBe(0);
    expect(await count()).toBe(before);
  });

  it('issue 12: page_viewed, session_rated, a rejection reason and a signup region are stored; bad ones are 400', async () => {
    const ws = uuid();
    const good = [
      ev('page_viewed', { workshop_id: ws, duration_ms: 1875, metadata: { path: '/dashboard' } }),
      ev('session_rated', { workshop_id: ws, metadata: { rating: 4 } }),
      ev('workshop_rejected', { workshop_id: ws, admin_id: uuid(), metadata: { reason: 'Outside the service area' } }),
      signupSuccess(ws, new Date().toISOString(), { region: 'GTA' }),
    ];
    expect((await postEvents(svc.url, { events: good })).status).toBe(202);
    const rows = await svc.pool.query(
      `SELECT event_type, event_category, duration_ms, metadata FROM workshop_events WHERE workshop_id = $1
        ORDER BY event_type`,
      [ws],
    );
    expect(rows.rows.map((r) => [r.event_type, r.event_category, r.duration_ms])).toEqual([
      ['page_viewed', 'activity', 1875],
      ['session_rated', 'activity', null],
      ['workshop_rejected', 'approval', null],
      ['workshop_signup_success', 'signup', null],
    ]);
    const bad = [
      ev('page_viewed', { workshop_id: ws }),
      ev('session_rated', { workshop_id: ws, metadata: { rating: 6 } }),
      ev('workshop_rejected', { workshop_id: ws, admin_id: uuid(), metadata: { reason: 'x'.repeat(201) } }),
      signupSuccess(ws, new Date().toISOString(), { region: 'r'.repeat(101) }),
    ];
    const res = await postEvents(svc.url, { events: bad });
    expect(res.status).toBe(400);
    const details = (res.json as { error: { details: Array<{ index: number; path: string }> } }).error.details;
    expect(details.map((d) => [d.index, d.path])).toEqual([
      [0, 'duration_ms'],
      [1, 'metadata.rating'],
      [2, 'metadata.reason'],
      [3, 'metadata.region'],
    ]);
    expect(await count('workshop_id = $1', [ws])).toBe(4);
  });

  it('when occurred_at is 6 minutes ahead of the service clock, then 400 names occurred_at', async () => {
    const before = await count();
    // "ahead" is measured from when the request is sent, so the time is read here, not when the file loads
    const event = ev('workshop_dashboard_accessed', {
      workshop_id: uuid(),
      occurred_at: new Date(Date.now() + 6 * 60_000).toISOString(),
    });
    const res = await postEvents(svc.url, event);
    expect(res.status).toBe(400);
    expect((res.json.error as { details: Array<{ index: number; path: string }> }).details).toEqual([
      expect.objectContaining({ index: 0, path: 'occurred_at' }),
    ]);
    expect(await count()).toBe(before);
  });

  it('when a batch is empty or over 1000 events, then 400 names the events field', async () => {
    for (const events of [[], Array.from({ length: 1001 }, () => ev('workshop_signup_started', { session_id: 's' }))]) {
      const res = await postEvents(svc.url, { events });
      expect(res.status).toBe(400);
      expect((res.json.error as { details: Array<{ path: string }> }).details[0]!.path).toBe('events');
    }
  });

  it('when the token is missing or wrong, then 401 and nothing is stored', async () => {
    const before = await count();
    const e = ev('workshop_signup_started', { session_id: 's' });
    const missing = await fetch(`${svc.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(e),
    });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await postEvents(svc.url, e, 'wrong-token-wrong-token')).status).toBe(401);
    expect(await count()).toBe(before);
  });

  it('when the body is over 1 MiB, then 413', async () => {
    const big = {
      events: Array.from({ length: 80 }, () =>
        ev('workshop_dashboard_accessed', { workshop_id: uuid(), metadata: { pad: 'y'.repeat(15_000) } }),
      ),
    };
    const res = await postEvents(svc.url, big);
    expect(res.status).toBe(413);
    expect(res.json.error).toMatchObject({ code: 'payload_too_large' });
  });

  it('when the body is not JSON, then 415 for the wrong media type and 400 for broken JSON', async () => {
    const text = await postEvents(svc.url, 'type=x', INGEST_TOKEN, { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.json.error).toMatchObject({ code: 'unsupported_media_type' });
    const broken = await postEvents(svc.url, '{"type": ', INGEST_TOKEN);
    expect(broken.status).toBe(400);
    expect(broken.json.error).toMatchObject({ code: 'invalid_json' });
    const scalar = await postEvents(svc.url, '"hello"', INGEST_TOKEN);
    expect(scalar.status).toBe(400);
  });

  it('when IP_MODE is truncate (the default), then IPv4 is kept to /24 and IPv6 to /48', async () => {
    const a = ev('workshop_dashboard_accessed', { workshop_id: uuid(), ip_address: '203.0.113.77' });
    const b = ev('workshop_dashboard_accessed', { workshop_id: uuid(), ip_address: '2001:db8:abcd:12::1' });
    await postEvents(svc.url, { events: [a, b] });
    const rows = (
      await svc.pool.query(
        'SELECT id, host(ip_address) AS h, masklen(ip_address) AS m FROM workshop_events WHERE id = ANY($1)',
        [[a.id, b.id]],
      )
    ).rows;
    const byId = Object.fromEntries(rows.map((r) => [r.id, `${r.h}/${r.m}`]));
    expect(byId[a.id as string]).toBe('203.0.113.0/24');
    expect(byId[b.id as string]).toBe('2001:db8:abcd::/48');
  });

  it('when events arrive for a past month, then its partition is created and the event lands in it', async () => {
    const e = ev('workshop_dashboard_accessed', { workshop_id: uuid(), occurred_at: '2019-03-15T12:00:00-04:00' });
    expect((await postEvents(svc.url, e)).status).toBe(202);
    const r = await svc.pool.query('SELECT tableoid::regclass::text AS part FROM workshop_events WHERE id = $1', [
      e.id,
    ]);
    expect(r.rows[0].part).toBe('workshop_events_2019_03');
  });

  it('when many requests arrive at once, then they are written together (group commit) and all stored', async () => {
    const before = await count();
    const metricsBefore = await (await fetch(`${svc.url}/metrics`)).text();
    const flushesBefore = Number(/^workshop_ingest_flush_size_events_count (\d+)/m.exec(metricsBefore)?.[1] ?? 0);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => postEvents(svc.url, ev('workshop_signup_started', { session_id: uuid() }))),
    );
    expect(results.every((r) => r.status === 202)).toBe(true);
    expect(await count()).toBe(before + 200);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    const flushes = Number(/^workshop_ingest_flush_size_events_count (\d+)/m.exec(metrics)?.[1]) - flushesBefore;
    expect(flushes).toBeGreaterThan(0);
    expect(flushes).toBeLessThan(200);
  });

  it('GET /healthz and /readyz answer when the database is reachable and migrated', async () => {
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('unknown routes answer a JSON 404', async () => {
    const res = await fetch(`${svc.url}/v2/nothing`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  describe('GET /metrics', () => {
    it('passes promtool check metrics', async () => {
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      const out = execFileSync('promtool', ['check', 'metrics'], { input: text }).toString();
      expect(out).toBe('');
    });

    it('has workshop_events_total at 0 for every catalogue type, and counts stored events by outcome', async () => {
      const ws = uuid();
      const text0 = await (await fetch(`${svc.url}/metrics`)).text();
      for (const type of EVENT_TYPES) {
        expect(text0).toMatch(
          new RegExp(`^workshop_events_total\\{type="${type}",category="\\w+",outcome="failure"\\} \\d+`, 'm'),
        );
      }
      const read = (text: string) =>
        Number(
          /^workshop_events_total\{type="session_completed",category="activity",outcome="failure"\} (\d+)/m.exec(
            text,
          )?.[1],
        );
      const before = read(text0);
      const e = ev('session_completed', { workshop_id: ws, success: false, metadata: { revenue_cents: 100 } });
      await postEvents(svc.url, e);
      await postEvents(svc.url, e); // duplicate: not counted again
      expect(read(await (await fetch(`${svc.url}/metrics`)).text())).toBe(before + 1);
    });

    it('documents every metric family it serves in docs/metrics.md', async () => {
      const doc = await readFile(path.resolve(import.meta.dirname, '../../docs/metrics.md'), 'utf8');
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
      expect(families.length).toBeGreaterThan(20);
      for (const f of families) expect(doc, `${f} missing from docs/metrics.md`).toContain(`\`${f}`);
    });

    it('never labels a series with client-supplied values', async () => {
      const marker = 'zz-client-marker-zz';
      await postEvents(
        svc.url,
        ev('workshop_dashboard_accessed', {
          workshop_id: uuid(),
          session_id: marker,
          user_agent: marker,
          metadata: { marker },
        }),
      );
      await fetch(`${svc.url}/v1/${marker}`);
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      expect(text).not.toContain(marker);
    });
  });
});
