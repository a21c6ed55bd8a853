import { describe, expect, it } from 'vitest';
import { validateBody, validateEvent } from '../../../src/ingest/event-schema.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const opts = { ipMode: 'truncate' as const, nowMs: NOW };

describe('validateEvent', () => {
  it('when fields are absent, then id is assigned, occurred_at is now and success is true', () => {
    const r = validateEvent({ type: 'workshop_signup_started', session_id: 's' }, 0, opts);
    if (!('event' in r)) throw new Error('expected valid');
    expect(r.event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.event.occurredAt).toBe('2026-11-21T12:00:00.000Z');
    expect(r.event).toMatchObject({ success: true, category: 'signup', workshopId: null });
  });

  it('normalizes uuids to lower case and occurred_at to UTC milliseconds', () => {
    const r = validateEvent(
      {
        id: 'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA',
        type: 'workshop_dashboard_accessed',
        workshop_id: 'BBBBBBBB-BBBB-4BBB-8BBB-BBBBBBBBBBBB',
        occurred_at: '2026-11-21T07:00:00.123456-05:00',
      },
      0,
      opts,
    );
    if (!('event' in r)) throw new Error(JSON.stringify(r.problems));
    expect(r.event.id).toBe('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
    expect(r.event.workshopId).toBe('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb');
    expect(r.event.occurredAt).toBe('2026-11-21T12:00:00.123Z');
  });

  it('copies invite_id and revenue_cents into typed fields', () => {
    const a = validateEvent(
      {
        type: 'mechanic_invited',
        workshop_id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
        metadata: { invite_id: 'inv-9' },
      },
      0,
      opts,
    );
    const b = validateEvent(
      {
        type: 'session_completed',
        workshop_id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
        metadata: { revenue_cents: 4599 },
      },
      0,
      opts,
    );
    expect('event' in a && a.event.inviteId).toBe('inv-9');
    expect('event' in b && b.event.revenueCents).toBe(4599);
  });

  it('accepts occurred_at exactly 5 minutes ahead and refuses one millisecond more', () => {
    const at = (ms: number) =>
      validateEvent(
        { type: 'workshop_signup_started', session_id: 's', occurred_at: new Date(NOW + ms).toISOString() },
        0,
        opts,
      );
    expect('event' in at(5 * 60_000)).toBe(true);
    expect('problems' in at(5 * 60_000 + 1)).toBe(true);
  });

  it('when IP_MODE is drop, then no address is kept', () => {
    const r = validateEvent({ type: 'workshop_signup_started', session_id: 's', ip_address: '198.51.100.7' }, 0, {
      ...opts,
      ipMode: 'drop',
    });
    expect('event' in r && r.event.ipAddress).toBe(null);
  });
});

describe('validateBody', () => {
  it('reports problems of every invalid event with its index', () => {
    const r = validateBody(
      {
        events: [{ type: 'nope' }, { type: 'workshop_signup_started', session_id: 's' }, { type: 'workshop_approved' }],
      },
      opts,
    );
    if (!('problems' in r)) throw new Error('expected problems');
    expect(r.problems.map((p) => p.index)).toEqual([0, 2, 2]);
    expect(r.problems.map((p) => p.path)).toEqual(['type', 'workshop_id', 'admin_id']);
  });

  it('refuses arrays, scalars and batch objects with extra keys', () => {
    for (const body of [
      [],
      'x',
      42,
      null,
      { events: [{ type: 'workshop_signup_started', session_id: 's' }], extra: 1 },
      { events: 'no' },
    ]) {
      expect('problems' in validateBody(body, opts)).toBe(true);
    }
  });
});

describe('hostile input: a client mistake PostgreSQL or JSON.stringify would choke on is a problem, never a crash', () => {
  const WS = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
  const access = (fields: Record<string, unknown>) => ({
    type: 'workshop_dashboard_accessed',
    workshop_id: WS,
    ...fields,
  });
  const problemsOf = (raw: unknown, index = 0) => {
    const r = validateEvent(raw, index, opts);
    return 'problems' in r ? r.problems : [];
  };
  /** `levels` nested objects, the outermost being the metadata object itself: deep(1) = {}, deep(2) = {"a": {}}. */
  const deep = (levels: number) => {
    let v: Record<string, unknown> = {};
    for (let i = 1; i < levels; i++) v = { a: v };
    return v;
  };

  it.each([
    ['a NUL in a metadata value', access({ metadata: { note: 'a\u0000b' } }), 'metadata.note', /NUL/],
    [
      'a NUL in a nested metadata value',
      access({ metadata: { x: { y: [1, 'ok', 'z\u0000'] } } }),
      'metadata.x.y.2',
      /NUL/,
    ],
    ['a NUL in a metadata key', access({ metadata: { 'k\u0000': 1 } }), 'metadata.k\\u0000', /NUL/],
    ['a NUL in a nested key', access({ metadata: { x: [{ '\u0000': 'v' }] } }), 'metadata.x.0.\\u0000', /NUL/],
    ['a NUL in user_agent', access({ user_agent: 'curl\u0000' }), 'user_agent', /NUL/],
    ['a NUL in error_message', access({ error_message: '\u0000' }), 'error_message', /NUL/],
    ['a NUL in session_id', { type: 'workshop_signup_started', session_id: 's\u0000' }, 'session_id', /NUL/],
    ['a lone high surrogate in a value', access({ metadata: { note: 'x\ud800y' } }), 'metadata.note', /surrogate/],
    ['a lone low surrogate in a value', access({ user_agent: '\udc00' }), 'user_agent', /surrogate/],
    ['a high surrogate at the end', access({ metadata: { note: 'x\udbff' } }), 'metadata.note', /surrogate/],
    ['a lone high surrogate in a key', access({ metadata: { 'k\ud800': 1 } }), 'metadata.k\\ud800', /surrogate/],
    ['a lone low surrogate in a key', access({ metadata: { a: { '\udfff': 1 } } }), 'metadata.a.\\udfff', /surrogate/],
    ['an infinite number', access({ metadata: { n: Infinity } }), 'metadata.n', /finite/],
    ['NaN', access({ metadata: { list: [NaN] } }), 'metadata.list.0', /finite/],
  ])('when an event holds %s, then it is a problem naming its path', (_name, raw, path, message) => {
    const problems = problemsOf(raw, 3);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ index: 3, path });
    expect(problems[0]!.message).toMatch(message);
  });

  it('when metadata nests 32 levels, then it is accepted; 33 levels is a problem', () => {
    expect(problemsOf(access({ metadata: deep(32) }))).toEqual([]);
    const problems = problemsOf(access({ metadata: deep(33) }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ index: 0, path: `metadata${'.a'.repeat(32)}` });
    expect(problems[0]!.message).toMatch(/32 levels/);
  });

  it('when metadata nests 100,000 levels (objects or arrays), then it is one problem, not a stack overflow', () => {
    let arr: unknown[] = [];
    for (let i = 0; i < 100_000; i++) arr = [arr];
    for (const metadata of [deep(100_000), { list: arr }]) {
      const problems = problemsOf(access({ metadata }));
      expect(problems).toHaveLength(1);
      expect(problems[0]!.message).toMatch(/32 levels/);
    }
  });

  it('when revenue_cents is 10^10, then it is accepted; 10^10 + 1 is a problem', () => {
    const session = (revenue_cents: number) => ({
      type: 'session_completed',
      workshop_id: WS,
      metadata: { revenue_cents },
    });
    const ok = validateEvent(session(10_000_000_000), 0, opts);
    expect('event' in ok && ok.event.revenueCents).toBe(10_000_000_000);
    expect(problemsOf(session(10_000_000_001))).toEqual([
      { index: 0, path: 'metadata.revenue_cents', message: expect.stringMatching(/10000000000/) },
    ]);
    expect(problemsOf(session(9_007_199_254_740_991))).toHaveLength(1);
  });

  it('when values are unusual but valid (1e308, U+2028, emoji, Slack mentions, paired surrogates), then they are kept unchanged', () => {
    const metadata = {
      big: 1e308,
      tiny: -1e308,
      sep: 'a\u2028b\u2029c',
      emoji: '🔧🚗 ok',
      slack: '<!channel> <@U123> *bold*',
      '🔑\u2028': 'key with emoji and a line separator',
      nested: { list: ['\ud83d\ude97', 0, false, null] },
    };
    const copy = structuredClone(metadata);
    const r = validateEvent(access({ metadata, user_agent: 'Mozilla/5.0 🦊' }), 0, opts);
    if (!('event' in r)) throw new Error(JSON.stringify(r.problems));
    expect(r.event.metadata).toEqual(copy);
    expect(r.event.userAgent).toBe('Mozilla/5.0 🦊');
  });

  it('when a batch holds one hostile event, then the batch is refused with that index', () => {
    const r = validateBody(
      { events: [access({}), access({ metadata: { note: '\u0000' } }), access({ user_agent: '\ud800' })] },
      opts,
    );
    if (!('problems' in r)) throw new Error('expected problems');
    expect(r.problems.map((p) => [p.index, p.path])).toEqual([
      [1, 'metadata.note'],
      [2, 'user_agent'],
    ]);
  });
});

describe("workshop_signup_success's optional metadata.owner_email", () => {
  const signup = (ownerEmail: unknown) => ({
    type: 'workshop_signup_success',
    workshop_id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    metadata: { name: 'Toronto Auto', city: 'Toronto', owner_email: ownerEmail },
  });
  const problemsOf = (raw: unknown) => {
    const r = validateEvent(raw, 0, opts);
    return 'problems' in r ? r.problems : [];
  };
  /** An address of `n` characters: a 64-character local part, @, then b… and .ca. */
  const address = (n: number) => `${'a'.repeat(64)}@${'b'.repeat(n - 68)}.ca`;

  it.each([
    ['a plain address', 'owner@torontoauto.example'],
    ['tags, dots and capitals', 'Jane.Doe+garage@Mail.Example.COM'],
    ['an address of exactly 254 characters', address(254)],
  ])('when it is %s, then the event is accepted and keeps it', (_what, email) => {
    expect((email as string).length).toBeLessThanOrEqual(254);
    const r = validateEvent(signup(email), 0, opts);
    expect('event' in r && r.event.metadata?.owner_email).toBe(email);
  });

  it('when it is absent, then the event is accepted', () => {
    expect(problemsOf({ ...signup(undefined), metadata: { name: 'A', city: 'B' } })).toEqual([]);
  });

  it.each([
    ['CRLF and a Bcc header', 'owner@torontoauto.example\r\nBcc: everyone@example.com'],
    ['a bare LF', 'owner@torontoauto.example\nSubject: hi'],
    ['a display name', 'Owner <owner@torontoauto.example>'],
    ['two addresses', 'owner@torontoauto.example, other@example.com'],
    ['spaces', 'owner @torontoauto.example'],
    ['no domain', 'owner@'],
    ['no @', 'torontoauto.example'],
    ['255 characters', address(255)],
    ['a number', 42],
    ['an object', { address: 'owner@torontoauto.example' }],
  ])('when it holds %s, then it is a problem at metadata.owner_email', (_what, email) => {
    const problems = problemsOf(signup(email));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('metadata.owner_email');
  });

  it('when it holds a NUL, then it is refused as hostile input before anything else', () => {
    const problems = problemsOf(signup('owner@torontoauto.example\u0000'));
    expect(problems).toEqual([{ index: 0, path: 'metadata.owner_email', message: expect.stringMatching(/NUL/) }]);
  });
});

describe('issue 12: page_viewed, session_rated, a rejection reason and a signup region', () => {
  const WS = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
  const ADMIN = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';
  const problemsOf = (raw: unknown) => {
    const r = validateEvent(raw, 0, opts);
    return 'problems' in r ? r.problems.map((p) => p.path) : [];
  };
  const page = (fields: Record<string, unknown>) => ({ type: 'page_viewed', workshop_id: WS, ...fields });
  const rated = (rating: unknown) => ({ type: 'session_rated', workshop_id: WS, metadata: { rating } });
  const rejected = (reason: unknown) => ({
    type: 'workshop_rejected',
    workshop_id: WS,
    admin_id: ADMIN,
    metadata: { reason },
  });
  const signup = (region: unknown) => ({
    type: 'workshop_signup_success',
    workshop_id: WS,
    metadata: { name: 'Hamilton Brakes', city: 'Hamilton', region },
  });

  it('page_viewed (activity) needs workshop_id and duration_ms; metadata.path is optional', () => {
    const r = validateEvent(page({ duration_ms: 1234, metadata: { path: '/dashboard' } }), 0, opts);
    expect('event' in r && [r.event.category, r.event.durationMs]).toEqual(['activity', 1234]);
    expect(problemsOf(page({ duration_ms: 0 }))).toEqual([]);
    expect(problemsOf(page({}))).toEqual(['duration_ms']);
    expect(problemsOf({ type: 'page_viewed', duration_ms: 5 })).toEqual(['workshop_id']);
    expect(problemsOf(page({ duration_ms: -1 }))).toEqual(['duration_ms']);
    expect(problemsOf(page({ duration_ms: 1.5 }))).toEqual(['duration_ms']);
    expect(problemsOf(page({ duration_ms: 10, metadata: { path: '' } }))).toEqual(['metadata.path']);
    expect(problemsOf(page({ duration_ms: 10, metadata: { path: 'x'.repeat(501) } }))).toEqual(['metadata.path']);
    expect(problemsOf(page({ duration_ms: 10, metadata: { path: '/a\u0000' } }))).toEqual(['metadata.path']);
  });

  it.each([1, 2, 3, 4, 5])('session_rated accepts the rating %i', (rating) => {
    const r = validateEvent(rated(rating), 0, opts);
    expect('event' in r && r.event.category).toBe('activity');
  });

  it.each([
    ['0', 0],
    ['6', 6],
    ['4.5', 4.5],
    ['a string', '5'],
    ['null', null],
    ['absent', undefined],
  ])('session_rated refuses a rating of %s at metadata.rating', (_what, rating) => {
    expect(problemsOf(rated(rating))).toEqual(['metadata.rating']);
  });

  it('session_rated needs workshop_id', () => {
    expect(problemsOf({ type: 'session_rated', metadata: { rating: 5 } })).toEqual(['workshop_id']);
  });

  it('workshop_rejected takes an optional reason of at most 200 characters', () => {
    expect(problemsOf(rejected('Incomplete documents'))).toEqual([]);
    expect(problemsOf(rejected('r'.repeat(200)))).toEqual([]);
    expect(problemsOf({ ...rejected(undefined), metadata: {} })).toEqual([]);
    expect(problemsOf(rejected('r'.repeat(201)))).toEqual(['metadata.reason']);
    expect(problemsOf(rejected(''))).toEqual(['metadata.reason']);
    expect(problemsOf(rejected(42))).toEqual(['metadata.reason']);
    expect(problemsOf(rejected('bad\ud800'))).toEqual(['metadata.reason']);
  });

  it('workshop_signup_success takes an optional region of at most 100 characters', () => {
    for (const region of ['GTA', 'Ottawa', 'Hamilton', 'London', 'r'.repeat(100)])
      expect(problemsOf(signup(region)), region).toEqual([]);
    expect(problemsOf({ ...signup(undefined), metadata: { name: 'A', city: 'B' } })).toEqual([]);
    expect(problemsOf(signup('r'.repeat(101)))).toEqual(['metadata.region']);
    expect(problemsOf(signup(''))).toEqual(['metadata.region']);
    expect(problemsOf(signup(['GTA']))).toEqual(['metadata.region']);
    expect(problemsOf(signup('GTA\u0000'))).toEqual(['metadata.region']);
  });
});
