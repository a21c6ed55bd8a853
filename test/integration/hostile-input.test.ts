/**
 * "Never a 5xx for a client's mistake", against the real service and PostgreSQL over real HTTP: every hostile
 * body gets a 4xx and leaves nothing stored; a value only PostgreSQL refuses is isolated inside a flush; a
 * stored history of huge revenues still reads. (Random hostile bodies next to valid traffic: test/faults.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEvent, type NormalizedEvent } from '../../src/ingest/event-schema.js';
import { EventWriter } from '../../src/ingest/event-service.js';
import { EventStore } from '../../src/ingest/event-store.js';
import { noopIngestMetrics } from '../../src/ingest/ingest-metrics.js';
import { ev, signupSuccess, uuid } from '../support/events.js';
import { access, accessWithRaw, deepText, post } from '../support/hostile-bodies.js';
import { ADMIN_TOKEN, startTestService } from '../support/service.js';

type TestService = Awaited<ReturnType<typeof startTestService>>;

const DAY = 86_400_000;

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
