import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KPI_COLUMNS } from '../../src/aggregate/kpi-definitions.js';
import { KPI_TARGETS } from '../../src/aggregate/thresholds.js';
import { expectedKpis } from '../support/kpi-reference.js';
import { withClient } from '../support/database.js';
import { generateScenario, prng, type RawEvent } from '../support/scenario.js';
import { ADMIN_TOKEN, postEvents, startTestService } from '../support/service.js';

type Svc = Awaited<ReturnType<typeof startTestService>>;
type Row = Record<string, unknown>;

const DAY = 86_400_000;
const FIRST = '2026-03-02';
const LAST = '2026-03-22';
/** Fixed seed and anchor: the same events, ids included, on every run (three weeks from Monday FIRST). */
const scenario = generateScenario(7, `${FIRST}T00:00:00Z`, 21);

async function ingest(svc: Svc, events: readonly RawEvent[], batch = 500) {
  for (let i = 0; i < events.length; i += batch) {
    const res = await postEvents(svc.url, { events: events.slice(i, i + batch) });
    expect(res.status, res.text).toBe(202);
  }
}

async function admin(svc: Svc, path: string, body?: unknown) {
  const res = await fetch(`${svc.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined) as Record<string, unknown>,
  };
}

const kpisOf = (row: Row) => Object.fromEntries(KPI_COLUMNS.map((c) => [c, row[c]]));
const withoutComputedAt = (rows: Row[]) => rows.map(({ computed_at: _c, ...rest }) => rest);

describe('KPI aggregation of a multi-week scenario (METRICS_TZ=UTC)', () => {
  let svc: Svc;
  let daily: Row[];
  let weekly: Row[];
  let monthly: Row[];

  beforeAll(async () => {
    svc = await startTestService({ METRICS_TZ: 'UTC' });
    await ingest(svc, scenario.events);
    const d = await admin(svc, '/api/cron/workshop-metrics', { startDate: FIRST, endDate: LAST, backfill: true });
    expect(d.status, d.text).toBe(200);
    daily = d.json.rows as Row[];
    const w = await admin(svc, '/api/cron/workshop-metrics', {
      startDate: FIRST,
      endDate: LAST,
      backfill: true,
      type: 'weekly',
    });
    expect(w.status, w.text).toBe(200);
    weekly = w.json.rows as Row[];
    const m = await admin(svc, '/api/cron/workshop-metrics', {
      startDate: '2026-02-27',
      endDate: '2026-04-02',
      backfill: true,
      type: 'monthly',
    });
    expect(m.status, m.text).toBe(200);
    monthly = m.json.rows as Row[];
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('the scenario exercises every KPI (non-zero counts, failures, suspensions, removals)', () => {
    expect(scenario.events.length).toBeGreaterThan(1000);
    const total = (c: string) => daily.reduce((s, r) => s + Number(r[c]), 0);
    for (const c of [
      'signups_started',
      'signups_completed',
      'signups_failed',
      'applications_approved',
      'applications_rejected',
      'invites_sent',
      'invites_accepted',
      'invites_expired',
      'emails_failed',
      'emails_rejection_failed',
      'sessions_completed',
      'api_errors',
    ]) {
      expect(total(c), c).toBeGreaterThan(0);
    }
    expect(daily.some((r) => Number(r.suspended_workshops) > 0)).toBe(true);
    expect(daily.some((r) => Number(r.pending_workshops) > 0)).toBe(true);
    // issue 12's columns
    for (const c of ['signups_step_1', 'signups_step_2', 'signups_step_3', 'signups_submitted', 'applications_viewed'])
      expect(total(c), c).toBeGreaterThan(0);
    for (const c of [
      'approval_rate',
      'total_mechanics_invited',
      'workshops_over_3_mechanics',
      'pct_workshops_with_mechanics',
      'avg_invite_to_signup_hours',
      'avg_page_load_ms',
      'avg_satisfaction',
    ])
      expect(daily.some((r) => Number(r[c]) > 0)).toBe(true);
  });

  it('every daily row equals the independent calculation, column by column', () => {
    expect(daily.map((r) => r.metric_date)).toEqual(
      Array.from({ length: 21 }, (_, i) => new Date(Date.parse(FIRST) + i * DAY).toISOString().slice(0, 10)),
    );
    daily.forEach((row, i) => {
      const start = scenario.startMs + i * DAY;
      expect(row).toMatchObject({
        metric_type: 'daily',
        window_start: new Date(start).toISOString(),
        window_end: new Date(start + DAY).toISOString(),
        time_zone: 'UTC',
      });
      expect(kpisOf(row), String(row.metric_date)).toEqual(expectedKpis(scenario.events, start, start + DAY));
    });
  });

  it('every weekly row equals the independent calculation (sums, rates recomputed, states at week end)', () => {
    expect(weekly.map((r) => r.metric_date)).toEqual(['2026-03-02', '2026-03-09', '2026-03-16']);
    weekly.forEach((row, i) => {
      const start = scenario.startMs + i * 7 * DAY;
      expect(kpisOf(row), String(row.metric_date)).toEqual(expectedKpis(scenario.events, start, start + 7 * DAY));
    });
  });

  it('monthly rows: every month the range touches, each equal to the independent calculation over the month', () => {
    expect(monthly.map((r) => [r.metric_date, r.metric_type, r.window_start, r.window_end])).toEqual([
      ['2026-02-01', 'monthly', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
      ['2026-03-01', 'monthly', '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'],
      ['2026-04-01', 'monthly', '2026-04-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z'],
    ]);
    for (const row of monthly)
      expect(kpisOf(row), String(row.metric_date)).toEqual(
        expectedKpis(scenario.events, Date.parse(String(row.window_start)), Date.parse(String(row.window_end))),
      );
    // the month's counts are the sums of its days
    const march = monthly[1]!;
    expect(march.signups_started).toBe(daily.reduce((s, r) => s + Number(r.signups_started), 0));
    expect(march.total_mechanics_invited).toBe(daily.at(-1)!.total_mechanics_invited);
  });

  it('type=monthly on GET: any date means its month; the month before by default; read back with /api/metrics', async () => {
    const one = await admin(svc, '/api/cron/workshop-metrics?date=2026-03-17&type=monthly');
    expect(one.status, one.text).toBe(200);
    expect((one.json.rows as Row[]).map((r) => r.metric_date)).toEqual(['2026-03-01']);
    expect(kpisOf((one.json.rows as Row[])[0]!)).toEqual(kpisOf(monthly[1]!));
    const now = new Date();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
    const byDefault = await admin(svc, '/api/cron/workshop-metrics?type=monthly');
    expect((byDefault.json.rows as Row[]).map((r) => r.metric_date)).toEqual([lastMonth]);
    await svc.pool.query(`DELETE FROM workshop_metrics WHERE metric_type = 'monthly' AND metric_date = $1`, [
      lastMonth,
    ]);
    const latest = await admin(svc, '/api/metrics/latest?type=monthly');
    expect(latest.json.metric_date).toBe('2026-04-01');
    const list = await admin(svc, '/api/metrics?type=monthly&from=2026-03-15&to=2026-04-30');
    expect(list.status, list.text).toBe(200);
    expect((list.json.rows as Row[]).map((r) => r.metric_date)).toEqual(['2026-03-01', '2026-04-01']);
    const n = await svc.pool.query(
      `SELECT count(*)::int AS n FROM workshop_metrics WHERE metric_type = 'monthly' AND metric_date = '2026-03-01'`,
    );
    expect(n.rows[0].n).toBe(1);
  });

  it('GET /api/metrics JSON carries the plan targets keyed by column (CSV stays rows only)', async () => {
    const j = await admin(svc, `/api/metrics?type=weekly&from=${FIRST}&to=${LAST}`);
    expect(j.json.targets).toEqual({
      signup_conversion_rate: { op: '>', value: 60 },
      avg_approval_time_hours: { op: '<', value: 24 },
      invite_acceptance_rate: { op: '>', value: 70 },
      email_success_rate: { op: '>', value: 98 },
      api_success_rate: { op: '>', value: 99 },
      avg_page_load_ms: { op: '<', value: 3000 },
      active_workshops: { op: 'between', value: [3, 5] },
    });
    expect(j.json.targets).toEqual(JSON.parse(JSON.stringify(KPI_TARGETS)));
    const csv = await admin(svc, `/api/metrics?type=weekly&from=${FIRST}&to=${LAST}&format=csv`);
    expect(csv.text).not.toContain('target');
  });

  it('an event at exactly midnight belongs to the next day', () => {
    const boundary = scenario.events.find((e) => e.session_id?.endsWith('-boundary'))!;
    const day = boundary.occurred_at.slice(0, 10);
    const next = daily.find((r) => r.metric_date === day)!;
    const prev = daily.find((r) => r.metric_date === new Date(Date.parse(day) - DAY).toISOString().slice(0, 10))!;
    const startsAt = (ms: number) =>
      scenario.events.filter(
        (e) =>
          e.type === 'workshop_signup_started' &&
          Date.parse(e.occurred_at) >= ms &&
          Date.parse(e.occurred_at) < ms + DAY,
      ).length;
    expect(next.signups_started).toBe(startsAt(Date.parse(day)));
    expect(prev.signups_started).toBe(startsAt(Date.parse(day) - DAY));
  });

  it('GET for one day, and computing again, gives the same row (idempotent upsert, one row per period)', async () => {
    const one = await admin(svc, '/api/cron/workshop-metrics?date=2026-03-10');
    expect(one.status).toBe(200);
    const again = await admin(svc, '/api/cron/workshop-metrics', { date: '2026-03-10' });
    const stored = daily.find((r) => r.metric_date === '2026-03-10')!;
    expect(kpisOf((one.json.rows as Row[])[0]!)).toEqual(kpisOf(stored));
    expect(kpisOf((again.json.rows as Row[])[0]!)).toEqual(kpisOf(stored));
    const n = await svc.pool.query(
      `SELECT count(*)::int AS n FROM workshop_metrics WHERE metric_date = '2026-03-10' AND metric_type = 'daily'`,
    );
    expect(n.rows[0].n).toBe(1);
  });

  it('GET /api/metrics returns stored rows as JSON and CSV; /latest returns the newest', async () => {
    const j = await admin(svc, `/api/metrics?type=daily&from=2026-03-05&to=2026-03-07`);
    expect((j.json.rows as Row[]).map((r) => r.metric_date)).toEqual(['2026-03-05', '2026-03-06', '2026-03-07']);
    const csv = await admin(svc, `/api/metrics?type=weekly&from=${FIRST}&to=${LAST}&format=csv`);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe(
      ['metric_date', 'metric_type', 'window_start', 'window_end', 'time_zone', ...KPI_COLUMNS].join(','),
    );
    expect(lines).toHaveLength(4);
    const header = lines[0]!.split(',');
    const firstWeek = lines[1]!.split(',');
    expect(Number(firstWeek[header.indexOf('signups_started')])).toBe(weekly[0]!.signups_started);
    const latest = await admin(svc, '/api/metrics/latest?type=weekly');
    expect(latest.json.metric_date).toBe('2026-03-16');
  });

  it.each([
    ['/api/cron/workshop-metrics?date=2026-02-30', undefined, 'date'],
    ['/api/cron/workshop-metrics?type=yearly', undefined, 'type'],
    [
      '/api/cron/workshop-metrics',
      { startDate: '2024-01-01', endDate: '2027-01-01', backfill: true, type: 'monthly' },
      'endDate',
    ],
    ['/api/metrics?type=monthly&from=2024-01-01&to=2027-01-01', undefined, 'at most 36 months'],
    ['/api/cron/workshop-metrics', { startDate: '2026-01-01', endDate: '2027-01-03', backfill: true }, 'endDate'],
    ['/api/cron/workshop-metrics', { startDate: '2026-03-10', endDate: '2026-03-01', backfill: true }, 'endDate'],
    ['/api/cron/workshop-metrics', { startDate: '2026-03-01', endDate: '2026-03-02' }, 'backfill'],
    ['/api/metrics?type=daily&from=2026-03-01', undefined, 'to'],
  ])('a bad request %s is answered 400 naming the problem and computes nothing', async (path, body, field) => {
    const before = (await svc.pool.query('SELECT count(*)::int AS n, max(computed_at) AS m FROM workshop_metrics'))
      .rows[0];
    const res = await admin(svc, path, body);
    expect(res.status).toBe(400);
    expect((res.json.error as { message: string }).message).toContain(field);
    const after = (await svc.pool.query('SELECT count(*)::int AS n, max(computed_at) AS m FROM workshop_metrics'))
      .rows[0];
    expect(after).toEqual(before);
  });

  it('the KPI API needs the admin token', async () => {
    const res = await fetch(`${svc.url}/api/metrics/latest`, {
      headers: { authorization: `Bearer ${svc.config.ingestTokens[0]}` },
    });
    expect(res.status).toBe(401);
  });

  it('when one KPI source fails, then it is counted, its columns keep their values, and the others are recomputed', async () => {
    const before = daily.find((r) => r.metric_date === '2026-03-12')!;
    await svc.pool.query(
      `UPDATE workshop_metrics SET signups_started = -1, avg_approval_time_hours = 999 WHERE metric_date = '2026-03-12' AND metric_type = 'daily'`,
    );
    // as the schema owner: the service's role (workshop_app) may not alter tables
    const asOwner = (sql: string) => withClient(svc.databaseUrl, (c) => c.query(sql));
    await asOwner('ALTER TABLE workshops RENAME TO workshops_away'); // the approvals source joins it
    try {
      const res = await admin(svc, '/api/cron/workshop-metrics', { date: '2026-03-12' });
      expect(res.status).toBe(200);
      const row = (res.json.rows as Row[])[0]!;
      expect(row.signups_started).toBe(before.signups_started); // counts recomputed
      expect(row.active_workshops).toBe(before.active_workshops); // states recomputed
      expect(row.avg_approval_time_hours).toBe(999); // approvals kept
    } finally {
      await asOwner('ALTER TABLE workshops_away RENAME TO workshops');
    }
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/^workshop_aggregator_kpi_failures_total\{source="approvals"\} 1$/m);
    expect(metrics).toMatch(/^workshop_aggregator_kpi_failures_total\{source="counts"\} 0$/m);
  });
});

describe('KPI aggregation is independent of arrival order and duplicates', () => {
  it('the same scenario shuffled, in other batches, with re-sent duplicates, gives identical rows', async () => {
    const a = await startTestService({ METRICS_TZ: 'UTC' });
    const b = await startTestService({ METRICS_TZ: 'UTC' });
    try {
      const events = generateScenario(11, '2026-03-02T00:00:00Z', 10).events;
      await ingest(a, events);
      const r = prng(99);
      const shuffled = [...events, ...events.filter(() => r.chance(0.1))];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = r.int(0, i);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      await ingest(b, shuffled, 137);
      const body = { startDate: '2026-03-02', endDate: '2026-03-11', backfill: true };
      for (const type of ['daily', 'weekly', 'monthly']) {
        const ra = await admin(a, '/api/cron/workshop-metrics', { ...body, type });
        const rb = await admin(b, '/api/cron/workshop-metrics', { ...body, type });
        expect(withoutComputedAt(rb.json.rows as Row[])).toEqual(withoutComputedAt(ra.json.rows as Row[]));
      }
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('KPI aggregation of a multi-week scenario across a month end and a DST change (America/Toronto)', () => {
  it('daily, weekly and monthly rows equal the independent calculation over local windows', async () => {
    const svc = await startTestService({ METRICS_TZ: 'America/Toronto' });
    try {
      // from Monday 2026-02-23 00:00 EST, five weeks: across the month end and the spring-forward Sunday 2026-03-08
      const { events } = generateScenario(23, '2026-02-23T05:00:00Z', 35);
      const r = prng(5);
      const shuffled = [...events, ...events.filter(() => r.chance(0.05))];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = r.int(0, i);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      await ingest(svc, shuffled, 301);
      const rows: Record<string, Row[]> = {};
      for (const type of ['daily', 'weekly', 'monthly']) {
        const res = await admin(svc, '/api/cron/workshop-metrics', {
          startDate: '2026-02-23',
          endDate: '2026-03-29',
          backfill: true,
          type,
        });
        expect(res.status, res.text).toBe(200);
        rows[type] = res.json.rows as Row[];
      }
      expect(rows.daily).toHaveLength(35);
      expect(rows.weekly!.map((w) => w.metric_date)).toEqual([
        '2026-02-23',
        '2026-03-02',
        '2026-03-09',
        '2026-03-16',
        '2026-03-23',
      ]);
      expect(rows.monthly!.map((m) => [m.metric_date, m.window_start, m.window_end])).toEqual([
        ['2026-02-01', '2026-02-01T05:00:00.000Z', '2026-03-01T05:00:00.000Z'],
        ['2026-03-01', '2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'], // EST to EDT: 743 hours
      ]);
      expect(rows.daily!.find((d) => d.metric_date === '2026-03-08')).toMatchObject({
        window_start: '2026-03-08T05:00:00.000Z',
        window_end: '2026-03-09T04:00:00.000Z',
      });
      for (const row of [...rows.daily!, ...rows.weekly!, ...rows.monthly!])
        expect(kpisOf(row), `${row.metric_type} ${row.metric_date}`).toEqual(
          expectedKpis(events, Date.parse(String(row.window_start)), Date.parse(String(row.window_end))),
        );
      expect(rows.monthly![1]!.avg_page_load_ms).toBeGreaterThan(0);
    } finally {
      await svc.stop();
    }
  });
});

describe('KPI windows follow METRICS_TZ across daylight-saving changes (America/Toronto)', () => {
  it('a fall-back day lasts 25 hours and a spring-forward day 23; events land by local time', async () => {
    const svc = await startTestService({ METRICS_TZ: 'America/Toronto' });
    try {
      const s = (at: string) => ({ type: 'workshop_signup_started', session_id: 'dst', occurred_at: at });
      // 2026-11-01: EDT ends at 06:00Z; local day is [04:00Z, 05:00Z next day)
      const events = [
        s('2026-11-01T03:59:59.999Z'), // 2026-10-31 23:59:59.999 EDT
        s('2026-11-01T04:00:00.000Z'), // 2026-11-01 00:00 EDT
        s('2026-11-01T05:30:00.000Z'), // 01:30 EDT (first 01:30)
        s('2026-11-01T06:30:00.000Z'), // 01:30 EST (second 01:30)
        s('2026-11-02T04:30:00.000Z'), // 2026-11-01 23:30 EST
        s('2026-11-02T05:00:00.000Z'), // 2026-11-02 00:00 EST
        // 2026-03-08: EST ends at 07:00Z; local day is [05:00Z, 04:00Z next day)
        s('2026-03-08T04:59:59.000Z'), // 2026-03-07 23:59:59 EST
        s('2026-03-09T03:59:59.000Z'), // 2026-03-08 23:59:59 EDT
        s('2026-03-09T04:00:00.000Z'), // 2026-03-09 00:00 EDT
      ];
      expect((await postEvents(svc.url, { events })).status).toBe(202);
      const fall = await admin(svc, '/api/cron/workshop-metrics', {
        startDate: '2026-10-31',
        endDate: '2026-11-02',
        backfill: true,
      });
      expect(
        (fall.json.rows as Row[]).map((r) => [r.metric_date, r.window_start, r.window_end, r.signups_started]),
      ).toEqual([
        ['2026-10-31', '2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', 1],
        ['2026-11-01', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z', 4],
        ['2026-11-02', '2026-11-02T05:00:00.000Z', '2026-11-03T05:00:00.000Z', 1],
      ]);
      const spring = await admin(svc, '/api/cron/workshop-metrics', {
        startDate: '2026-03-07',
        endDate: '2026-03-09',
        backfill: true,
      });
      expect(
        (spring.json.rows as Row[]).map((r) => [r.metric_date, r.window_start, r.window_end, r.signups_started]),
      ).toEqual([
        ['2026-03-07', '2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', 1],
        ['2026-03-08', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', 1],
        ['2026-03-09', '2026-03-09T04:00:00.000Z', '2026-03-10T04:00:00.000Z', 1],
      ]);
      // the ISO week holding the fall-back Sunday: Monday 2026-10-26 00:00 EDT to Monday 2026-11-02 00:00 EST (169 h)
      const week = await admin(svc, '/api/cron/workshop-metrics?date=2026-11-01&type=weekly');
      const w = (week.json.rows as Row[])[0]!;
      expect([w.metric_date, w.window_start, w.window_end, w.signups_started]).toEqual([
        '2026-10-26',
        '2026-10-26T04:00:00.000Z',
        '2026-11-02T05:00:00.000Z',
        5,
      ]);
    } finally {
      await svc.stop();
    }
  });
});
