/**
 * "Never a 5xx for a client's mistake", against the real service and PostgreSQL over real HTTP: every hostile
 * body gets a 4xx and leaves nothing stored; a value only PostgreSQL refuses is isolated inside a flush; a
 * stored history of huge revenues still reads; and a property mixes random hostile bodies with valid events.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEvent, type NormalizedEvent } from '../../src/ingest/event-schema.js';
import { EventWriter } from '../../src/ingest/event-service.js';
import { EventStore } from '../../src/ingest/event-store.js';
import { noopIngestMetrics } from '../../src/ingest/ingest-metrics.js';
import { ev, signupSuccess, uuid } from '../support/events.js';
import { ADMIN_TOKEN, INGEST_TOKEN, startTestService } from '../support/service.js';

type TestService = Awaited<ReturnType<typeof startTestService>>;

const DAY = 86_400_000;

/** Posts a raw body (text or bytes) as JSON; returns the status and the parsed answer. */
async function post(base: string, body: string | Uint8Array) {
  const res = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
    body,
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as { error?: { code: string; details?: unknown[] } } };
}

/** `levels` nested objects as JSON text, written by hand so that no recursive serializer is needed. */
const deepText = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);

const access = (fields: Record<string, unknown> = {}) =>
  ev('workshop_dashboard_accessed', { workshop_id: uuid(), ...fields });

/** A valid event's JSON text with `fields` spliced in as raw JSON text (for what JSON.stringify cannot write). */
const accessWithRaw = (raw: string) => JSON.stringify(access()).replace(/}$/, `,${raw}}`);

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

/** Every hostile body, with the 4xx expected (hand-worked from the README's error list) and its error code. */
const HOSTILE: Array<[string, number, string, string | Uint8Array]> = [
  ['NUL in a metadata value', 400, 'validation_failed', JSON.stringify(access({ metadata: { note: 'a\u0000b' } }))],
  [
    'NUL in a metadata key, 3 deep',
    400,
    'validation_failed',
    JSON.stringify(access({ metadata: { a: { b: { 'k\u0000': 1 } } } })),
  ],
  ['NUL in user_agent', 400, 'validation_failed', JSON.stringify(access({ user_agent: 'curl/8\u0000' }))],
  ['NUL in error_message', 400, 'validation_failed', JSON.stringify(access({ error_message: 'boom\u0000' }))],
  [
    'NUL in session_id',
    400,
    'validation_failed',
    JSON.stringify(ev('workshop_signup_started', { session_id: 's\u0000' })),
  ],
  [
    'lone high surrogate in a value',
    400,
    'validation_failed',
    JSON.stringify(access({ metadata: { note: '\ud800' } })),
  ],
  ['lone low surrogate in a key', 400, 'validation_failed', JSON.stringify(access({ metadata: { '\udc00': 1 } }))],
  ['lone surrogate in user_agent', 400, 'validation_failed', JSON.stringify(access({ user_agent: 'x\udbff' }))],
  ['metadata 33 levels deep', 400, 'validation_failed', accessWithRaw(`"metadata":${deepText(33)}`)],
  ['metadata 5,000 levels deep', 400, 'validation_failed', accessWithRaw(`"metadata":${deepText(5_000)}`)],
  ['metadata 100,000 levels deep', 400, 'validation_failed', accessWithRaw(`"metadata":${deepText(100_000)}`)],
  [
    'arrays 100,000 levels deep',
    400,
    'validation_failed',
    accessWithRaw(`"metadata":{"l":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
  ],
  ['a number beyond float64 (1e400)', 400, 'validation_failed', accessWithRaw('"metadata":{"n":1e400}')],
  [
    'revenue_cents 2^53 - 1',
    400,
    'validation_failed',
    JSON.stringify(
      ev('session_completed', { workshop_id: uuid(), metadata: { revenue_cents: 9_007_199_254_740_991 } }),
    ),
  ],
  [
    'revenue_cents 10^10 + 1',
    400,
    'validation_failed',
    JSON.stringify(ev('session_completed', { workshop_id: uuid(), metadata: { revenue_cents: 10_000_000_001 } })),
  ],
  [
    'invalid UTF-8 byte in a value',
    400,
    'invalid_encoding',
    bytes(JSON.stringify(access()).replace(/}$/, ',"user_agent":"'), [0xff], '"}'),
  ],
  ['overlong UTF-8 in a key', 400, 'invalid_encoding', bytes('{"', [0xc0, 0xaf], '":1}')],
  ['truncated JSON', 400, 'invalid_json', JSON.stringify(access()).slice(0, 40)],
  [
    'a batch: one valid event, one with NUL',
    400,
    'validation_failed',
    JSON.stringify({ events: [access(), access({ metadata: { x: ['\u0000'] } })] }),
  ],
];

describe('hostile input over real HTTP', () => {
  let svc: TestService;
  const stored = async () =>
    Number((await svc.pool.query('SELECT count(*)::int AS n FROM workshop_events')).rows[0].n) +
    Number((await svc.pool.query('SELECT count(*)::int AS n FROM workshop_event_ids')).rows[0].n);

  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it.each(HOSTILE)(
    'when the body holds %s, then it gets %i %s and nothing is stored',
    async (_n, status, code, body) => {
      const before = await stored();
      const res = await post(svc.url, body);
      if (process.env.PRINT_HOSTILE_STATUS) console.log(`| ${_n} | ${res.status} ${res.json.error?.code ?? ''} |`);
      expect({ status: res.status, code: res.json.error?.code }).toEqual({ status, code });
      expect(await stored()).toBe(before);
    },
  );

  it('when valid but unusual values arrive (1e308, U+2028, emoji, <!channel>), then they are stored unchanged', async () => {
    const metadata = { big: 1e308, sep: 'a\u2028b', emoji: '🔧🚗', slack: '<!channel> <@U1>', '🔑': [null, false] };
    const e = access({ metadata, user_agent: 'Mozilla/5.0 🦊\u2029' });
    expect((await post(svc.url, JSON.stringify(e))).status).toBe(202);
    const row = (await svc.pool.query('SELECT metadata, user_agent FROM workshop_events WHERE id = $1', [e.id]))
      .rows[0];
    expect(row).toEqual({ metadata, user_agent: 'Mozilla/5.0 🦊\u2029' });
  });

  it('when PostgreSQL alone refuses a value inside a flush, then only that request gets 400 naming the event, the others are stored', async () => {
    // Validation refuses NUL now, so the refused values are crafted past it, straight into a writer on the real store.
    const store = new EventStore(svc.pool, 'truncate');
    const writer = new EventWriter(
      store,
      { maxEventsPerFlush: 1000, concurrency: 1, maxPendingEvents: 10_000 },
      noopIngestMetrics,
    );
    const nowMs = Date.now();
    const normal = (): NormalizedEvent => {
      const r = validateEvent(access(), 0, { ipMode: 'truncate', nowMs });
      if (!('event' in r)) throw new Error(JSON.stringify(r.problems));
      return r.event;
    };
    const withNulAgent = { ...normal(), userAgent: 'curl\u0000' }; // text column: 22021
    const withNulJson = { ...normal(), metadata: { note: 'x\u0000' } }; // jsonb: 22P05
    const requests = [
      [normal()], // flushed alone: the writer is idle
      [normal(), normal()],
      [normal(), withNulAgent, normal()], // refused: index 1
      [normal()],
      [withNulJson], // refused: index 0
      [normal(), normal()],
    ];
    const outcomes = await Promise.all(
      requests.map((events) =>
        writer.submit(events).then(
          (r) => ({ status: 202, ...r }),
          (e: { status: number; code: string; details: unknown }) => ({
            status: e.status,
            code: e.code,
            details: e.details,
          }),
        ),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual([202, 202, 400, 202, 400, 202]);
    expect(outcomes[2]).toMatchObject({ code: 'invalid_event', details: [{ index: 1, path: '' }] });
    expect(outcomes[4]).toMatchObject({ code: 'invalid_event', details: [{ index: 0, path: '' }] });
    const ids = (rs: NormalizedEvent[][]) => rs.flat().map((e) => e.id);
    const present = async (list: string[]) =>
      (await svc.pool.query('SELECT count(*)::int AS n FROM workshop_events WHERE id = ANY($1)', [list])).rows[0].n;
    const kept = [requests[0]!, requests[1]!, requests[3]!, requests[5]!];
    expect(await present(ids(kept))).toBe(6);
    // nothing of a refused request, not even its valid events, and no idempotency key left behind
    expect(await present(ids([requests[2]!, requests[4]!]))).toBe(0);
    expect(
      (
        await svc.pool.query('SELECT count(*)::int AS n FROM workshop_event_ids WHERE id = ANY($1)', [
          ids([requests[2]!]),
        ])
      ).rows[0].n,
    ).toBe(0);
    await writer.close();
  });

  it('when 2,000 sessions of 2^53 - 1 cents were stored before validation bounded them, then the health score and the daily KPI still read', async () => {
    const ws = uuid();
    const dayStart = Math.floor(Date.now() / DAY) * DAY - DAY; // yesterday 00:00 UTC (METRICS_TZ is UTC)
    const at = new Date(dayStart + 12 * 3_600_000);
    expect((await post(svc.url, JSON.stringify(signupSuccess(ws, at.toISOString())))).status).toBe(202);
    await svc.pool.query('SELECT workshop_events_ensure_partition($1)', [at]);
    await svc.pool.query(
      `INSERT INTO workshop_events (id, occurred_at, event_type, event_category, workshop_id, success, revenue_cents)
       SELECT gen_random_uuid(), $1, 'session_completed', 'activity', $2, true, 9007199254740991
         FROM generate_series(1, 2000)`,
      [at, ws],
    );
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

    const health = await fetch(`${svc.url}/api/workshops/${ws}/health`, { headers: admin });
    expect(health.status).toBe(200);
    const h = (await health.json()) as { score: number; factors: Array<{ name: string; value: string }> };
    expect(Number.isFinite(h.score)).toBe(true);
    // 2,000 × 9,007,199,254,740,991 cents = $180,143,985,094,819,820 (as float64, rounded)
    expect(h.factors.find((f) => f.name === 'revenue_trend')?.value).toMatch(
      /^\$1801439850948198\d\d\.\d\d vs \$0\.00/,
    );

    const date = new Date(dayStart).toISOString().slice(0, 10);
    const kpi = await fetch(`${svc.url}/api/cron/workshop-metrics`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ date }),
    });
    expect(kpi.status).toBe(200);
    const [row] = ((await kpi.json()) as { rows: Array<Record<string, unknown>> }).rows;
    // the counts source landed: 2,000 sessions; revenue saturates at the bigint column's maximum, 2^63 - 1
    expect(row).toMatchObject({ metric_date: date, sessions_completed: 2000 });
    expect(row!.revenue_cents).toBe(Number('9223372036854775807'));
  });
});

describe('property: random hostile bodies next to valid events', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const anyString = fc.string({ unit: 'binary', maxLength: 12 });
  const hostileBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
    // full Unicode strings (NUL and lone surrogates included) as values and keys, at depth
    fc
      .record({ k: anyString, v: anyString, ua: anyString })
      .map(({ k, v, ua }) => JSON.stringify(access({ user_agent: ua, metadata: { [k]: v, n: { [v]: [k] } } }))),
    // deep nesting, in metadata or in a field that should be a string
    fc
      .tuple(fc.integer({ min: 30, max: 20_000 }), fc.constantFrom('metadata', 'user_agent'))
      .map(([n, field]) => accessWithRaw(`"${field}":${deepText(n)}`)),
    // huge and non-finite numbers
    fc
      .constantFrom('1e400', '-1e400', '1e308', '123456789012345678901234567890', '9007199254740993', '-1')
      .map((n) => `{"type":"session_completed","workshop_id":"${uuid()}","metadata":{"revenue_cents":${n}}}`),
    // wrong types anywhere
    fc
      .record({ workshop_id: fc.jsonValue(), metadata: fc.jsonValue(), success: fc.jsonValue() })
      .map((f) => JSON.stringify({ type: 'workshop_dashboard_accessed', ...f })),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    // truncated JSON
    fc.integer({ min: 0, max: 60 }).map((cut) => JSON.stringify({ events: [access(), access()] }).slice(0, cut)),
    // invalid UTF-8 bytes spliced into a valid body
    fc
      .tuple(fc.integer({ min: 1, max: 60 }), fc.uint8Array({ minLength: 1, maxLength: 3, min: 0x80, max: 0xff }))
      .map(([at, junk]) => {
        const b = Buffer.from(JSON.stringify(access()));
        return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
      }),
  );
  /** Strings without NUL and lone surrogates: what a valid event may carry. */
  const cleanString = anyString.filter(
    (s) => !s.includes('\u0000') && !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s),
  );
  const validEvent = cleanString.map((note) => access({ metadata: { note } }));

  it('never answers 5xx, and stores every valid event', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileBody, { minLength: 1, maxLength: 5 }),
        fc.array(validEvent, { minLength: 1, maxLength: 4 }),
        async (hostile, valid) => {
          const bodies: Array<{ body: string | Uint8Array; valid?: Record<string, unknown> }> = [
            ...hostile.map((body) => ({ body })),
            ...valid.map((e) => ({ body: JSON.stringify(e), valid: e })),
          ];
          const answers = await Promise.all(bodies.map(async (b) => ({ ...b, res: await post(svc.url, b.body) })));
          for (const a of answers) {
            expect(a.res.status).toBeLessThan(500);
            if (a.valid) expect(a.res.status).toBe(202);
          }
          const ids = valid.map((e) => e.id as string);
          const rows = await svc.pool.query<{ id: string; metadata: unknown }>(
            'SELECT id, metadata FROM workshop_events WHERE id = ANY($1)',
            [ids],
          );
          expect(new Map(rows.rows.map((r) => [r.id, r.metadata]))).toEqual(
            new Map(valid.map((e) => [e.id as string, e.metadata])),
          );
        },
      ),
      { numRuns: 50 },
    );
  });
});
