import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, withClient } from '../support/database.js';
import { ADMIN_TOKEN, postEvents, startTestService } from '../support/service.js';

type Svc = Awaited<ReturnType<typeof startTestService>>;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * The checks and live gauges measure from the service's clock ("now"), so the events are placed relative to
 * the time the test posts them (set in beforeAll, not when this file loads).
 */
let now = Number.NaN;
const at = (msAgo: number) => new Date(now - msAgo).toISOString();

const ids = {
  W1: '10000000-0000-4000-8000-000000000001',
  W2: '10000000-0000-4000-8000-000000000002',
  W3: '10000000-0000-4000-8000-000000000003',
  W4: '10000000-0000-4000-8000-000000000004',
  W5: '10000000-0000-4000-8000-000000000005',
  W6: '10000000-0000-4000-8000-000000000006',
  A1: '20000000-0000-4000-8000-000000000001',
  A2: '20000000-0000-4000-8000-000000000002',
  A3: '20000000-0000-4000-8000-000000000003',
  S1: '30000000-0000-4000-8000-000000000001',
};
const ADMIN = '90000000-0000-4000-8000-000000000001';
const signup = (w: string, ago: number, meta: Record<string, unknown> = {}) => ({
  type: 'workshop_signup_success',
  workshop_id: w,
  occurred_at: at(ago),
  metadata: { name: `Shop ${w.slice(-1)} "Auto"`, city: 'Toronto', ...meta },
});
const approve = (w: string, ago: number) => ({
  type: 'workshop_approved',
  workshop_id: w,
  admin_id: ADMIN,
  occurred_at: at(ago),
});
const invite = (w: string, inv: string, ago: number) => ({
  type: 'mechanic_invited',
  workshop_id: w,
  occurred_at: at(ago),
  metadata: { invite_id: inv },
});
const accept = (w: string, inv: string, m: string, ago: number) => ({
  type: 'mechanic_invite_accepted',
  workshop_id: w,
  mechanic_id: m,
  occurred_at: at(ago),
  metadata: { invite_id: inv },
});

/**
 * W1 pending 49 h (stuck), W2 pending 47 h (not yet), W3-W6 pending 1 h: 6 pending (> 5: backlog).
 * A1 active: last login 15 days ago and 5 invites 16 days ago (inactive: no logins, no invites for 14 days),
 *   capacity 10, 2 accepted (2 of 5 resolved: 40%, low).
 * A2 active: login 1 day ago, 3 invites 2 days ago + 1 invite 8 days ago (4 < 5: not low; the old one expires).
 * A3 active, approved 20 days ago, never logged in (inactive). S1 approved then suspended.
 */
const events = () => [
  signup(ids.W1, 49 * HOUR),
  signup(ids.W2, 47 * HOUR),
  ...[ids.W3, ids.W4, ids.W5, ids.W6].map((w) => signup(w, HOUR)),
  signup(ids.A1, 40 * DAY, { capacity: 10 }),
  approve(ids.A1, 39 * DAY),
  { type: 'workshop_dashboard_accessed', workshop_id: ids.A1, occurred_at: at(15 * DAY) },
  ...[0, 1, 2, 3, 4].map((i) => invite(ids.A1, `a1-${i}`, 16 * DAY)),
  accept(ids.A1, 'a1-0', '40000000-0000-4000-8000-000000000001', 15 * DAY),
  accept(ids.A1, 'a1-1', '40000000-0000-4000-8000-000000000002', 15 * DAY),
  signup(ids.A2, 30 * DAY, { capacity: 4 }),
  approve(ids.A2, 29 * DAY),
  { type: 'workshop_dashboard_accessed', workshop_id: ids.A2, occurred_at: at(DAY) },
  ...[0, 1, 2].map((i) => invite(ids.A2, `a2-${i}`, 2 * DAY)),
  invite(ids.A2, 'a2-old', 8 * DAY),
  signup(ids.A3, 25 * DAY),
  approve(ids.A3, 20 * DAY),
  signup(ids.S1, 25 * DAY),
  approve(ids.S1, 24 * DAY),
  { type: 'workshop_suspended', workshop_id: ids.S1, occurred_at: at(2 * DAY) },
];

async function admin(svc: Svc, path: string, body?: unknown) {
  const res = await fetch(`${svc.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read loosely in assertions
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}
const gauge = (text: string, name: string, labels = '') => {
  const m = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

describe('aggregator jobs, gauges and checks', () => {
  let dbUrl: string;
  let a: Svc;
  let b: Svc;

  beforeAll(async () => {
    dbUrl = await createTestDatabase();
    a = await startTestService({ INVITE_TTL_DAYS: '7', BETA_START: '2026-03-15', BETA_END: '2026-05-15' }, dbUrl);
    b = await startTestService({ INVITE_TTL_DAYS: '7' }, dbUrl);
    // test services run no cron schedule: every job and refresh below is one the test calls
    now = Date.now();
    expect((await postEvents(a.url, { events: events() })).status).toBe(202);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('the checks find stuck applications (> 48 h), the backlog (> 5), inactive workshops and low acceptance', async () => {
    const hoursPending = (atMs: number) => Math.round(((atMs - Date.parse(at(49 * HOUR))) / HOUR) * 10) / 10;
    const earliest = hoursPending(Date.now());
    const r = await admin(a, '/api/cron/workshop-alerts?checkType=stuck_applications');
    const latest = hoursPending(Date.now());
    expect(r.status).toBe(200);
    expect(r.json.checks.stuck_applications.items.map((i: { workshop_id: string }) => i.workshop_id)).toEqual([ids.W1]);
    // 49 h when posted, plus however long the test has taken since (to 0.1 h, by the service's clock)
    expect(r.json.checks.stuck_applications.items[0].pending_hours).toBeGreaterThanOrEqual(earliest);
    expect(r.json.checks.stuck_applications.items[0].pending_hours).toBeLessThanOrEqual(latest);
    const all = await admin(a, '/api/cron/workshop-alerts', {});
    const c = all.json.checks;
    expect(c.approval_backlog).toMatchObject({ triggered: true, count: 6, threshold: 5 });
    expect(c.inactive_workshops.items.map((i: { workshop_id: string }) => i.workshop_id).sort()).toEqual([
      ids.A1,
      ids.A3,
    ]);
    expect(
      c.inactive_workshops.items.find((i: { workshop_id: string }) => i.workshop_id === ids.A3).never_accessed,
    ).toBe(true);
    expect(c.low_invite_acceptance.items).toEqual([
      {
        workshop_id: ids.A1,
        name: 'Shop 1 "Auto"',
        city: 'Toronto',
        invites_sent_30d: 5,
        invites_resolved_30d: 5,
        invites_accepted_30d: 2,
        acceptance_rate: 40,
      },
    ]);
  });

  it('invitation expiry emits mechanic_invite_expired once per invite, whoever runs it and however often', async () => {
    // a first run (from the check above) already expired what was due; run on both replicas at once, twice
    await Promise.all([
      admin(a, '/api/cron/workshop-alerts', { checkType: 'expired_invitations' }),
      admin(b, '/api/cron/workshop-alerts', { checkType: 'expired_invitations' }),
    ]);
    const again = await admin(b, '/api/cron/workshop-alerts', { checkType: 'expired_invitations' });
    expect(again.json.checks.expired_invitations).toMatchObject({ triggered: false, count: 0 });
    const rows = await a.pool.query(
      `SELECT metadata->>'invite_id' AS inv, occurred_at FROM workshop_events WHERE event_type = 'mechanic_invite_expired' ORDER BY 1`,
    );
    // A1's three unaccepted invites (sent 16 days ago) and A2's 8-day-old one; A2's 2-day-old ones are not due
    expect(rows.rows.map((r) => r.inv)).toEqual(['a1-2', 'a1-3', 'a1-4', 'a2-old']);
    expect(rows.rows.find((r) => r.inv === 'a2-old').occurred_at.getTime()).toBe(Date.parse(at(8 * DAY)) + 7 * DAY);
    const inv = await a.pool.query(`SELECT status FROM invitations WHERE invite_id = 'a2-old'`);
    expect(inv.rows[0].status).toBe('expired');
  });

  it('GET /api/workshops/:id/health returns the score with every factor', async () => {
    const r = await admin(a, `/api/workshops/${ids.A1}/health`);
    expect(r.status).toBe(200);
    // capacity 2/10 = 0.2 (w20), retention 2/2 = 1 (w15), profile unknown (n/a), invites 2/5 = 0.4 (w15),
    // login 15 days ago = 0 (w20), sessions 0 (w10), revenue none (n/a): 100 * (4 + 15 + 6) / 80 = 31.25
    expect(r.json).toMatchObject({ workshop_id: ids.A1, workshop_status: 'active', score: 31, status: 'critical' });
    expect(r.json.factors.map((f: { name: string; score: number | null }) => [f.name, f.score])).toEqual([
      ['capacity_utilization', 0.2],
      ['mechanic_retention', 1],
      ['profile_completeness', null],
      ['invite_acceptance', 0.4],
      ['login_recency', 0],
      ['sessions_30d', 0],
      ['revenue_trend', null],
    ]);
    expect((await admin(a, '/api/workshops/not-a-uuid/health')).status).toBe(400);
    expect((await admin(a, '/api/workshops/00000000-0000-4000-8000-00000000dead/health')).status).toBe(404);
  });

  it('the live gauges on /metrics hold the pending, active and per-workshop values', async () => {
    await a.aggregator.refresher.refresh();
    const text = await (await fetch(`${a.url}/metrics`)).text();
    expect(gauge(text, 'workshop_applications_pending')).toBe(6);
    expect(gauge(text, 'workshop_active_workshops')).toBe(3);
    expect(gauge(text, 'workshop_suspended_workshops')).toBe(1);
    expect(gauge(text, 'workshop_application_submitted_timestamp_seconds', `workshop_id="${ids.W1}"`)).toBe(
      Date.parse(at(49 * HOUR)) / 1000,
    );
    expect(gauge(text, 'workshop_application_submitted_timestamp_seconds', `workshop_id="${ids.A1}"`)).toBeUndefined();
    expect(gauge(text, 'workshop_last_dashboard_access_timestamp_seconds', `workshop_id="${ids.A1}"`)).toBe(
      Date.parse(at(15 * DAY)) / 1000,
    );
    expect(gauge(text, 'workshop_last_dashboard_access_timestamp_seconds', `workshop_id="${ids.A3}"`)).toBe(
      Date.parse(at(20 * DAY)) / 1000,
    );
    expect(gauge(text, 'workshop_mechanics_active', `workshop_id="${ids.A1}"`)).toBe(2);
    expect(gauge(text, 'workshop_mechanic_capacity', `workshop_id="${ids.A1}"`)).toBe(10);
    expect(gauge(text, 'workshop_invites_sent_30d', `workshop_id="${ids.A1}"`)).toBe(5);
    expect(gauge(text, 'workshop_invites_accepted_30d', `workshop_id="${ids.A1}"`)).toBe(2);
    // resolved: A1's 5 are past INVITE_TTL_DAYS (7); A2's 8-day-old one is, its three 2-day-old ones are still open
    expect(gauge(text, 'workshop_invites_resolved_30d', `workshop_id="${ids.A1}"`)).toBe(5);
    expect(gauge(text, 'workshop_invites_resolved_30d', `workshop_id="${ids.A2}"`)).toBe(1);
    expect(gauge(text, 'workshop_invites_sent_30d', `workshop_id="${ids.A2}"`)).toBe(4);
    expect(gauge(text, 'workshop_last_invite_timestamp_seconds', `workshop_id="${ids.A1}"`)).toBe(
      Date.parse(at(16 * DAY)) / 1000,
    );
    expect(gauge(text, 'workshop_last_invite_timestamp_seconds', `workshop_id="${ids.A2}"`)).toBe(
      Date.parse(at(2 * DAY)) / 1000,
    );
    expect(gauge(text, 'workshop_last_invite_timestamp_seconds', `workshop_id="${ids.A3}"`)).toBeUndefined();
    expect(gauge(text, 'workshop_health_score', `workshop_id="${ids.A1}"`)).toBe(31);
    expect(text).toContain(
      `workshop_info{workshop_id="${ids.A1}",name="Shop 1 \\"Auto\\"",city="Toronto",region="GTA",status="active"} 1`,
    );
    expect(gauge(text, 'workshop_signups_completed_24h')).toBe(4); // W3-W6
    expect(gauge(text, 'workshop_beta_target_min')).toBe(3);
    expect(gauge(text, 'workshop_beta_target_max')).toBe(5);
    expect(gauge(text, 'workshop_beta_start_timestamp_seconds')).toBe(Date.parse('2026-03-15T00:00:00Z') / 1000);
  });

  it('two aggregators firing the same schedule run it once; the last success is exported', async () => {
    const startedMs = Date.now();
    const firing = Date.parse('2026-11-21T01:00:00Z');
    const outcomes = async (o: string) => {
      const texts = await Promise.all([a, b].map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
      const runs = (t: string) =>
        gauge(t, 'workshop_aggregator_job_runs_total', `aggregator_job="daily_metrics",outcome="${o}"`) ?? 0;
      return texts.reduce((sum, t) => sum + runs(t), 0);
    };
    const before = { success: await outcomes('success'), skipped: await outcomes('skipped') };
    await Promise.all([a.aggregator.jobs.daily_metrics.run(firing), b.aggregator.jobs.daily_metrics.run(firing)]);
    await a.aggregator.jobs.daily_metrics.run(firing); // a late replica: already claimed
    const runs = await a.pool.query(
      `SELECT count(*)::int AS n, bool_and(ok) AS ok FROM aggregator_runs WHERE job = 'daily_metrics' AND scheduled_for = $1`,
      [new Date(firing)],
    );
    expect(runs.rows[0]).toEqual({ n: 1, ok: true });
    expect((await outcomes('success')) - before.success).toBe(1);
    expect((await outcomes('skipped')) - before.skipped).toBe(2);
    // rows for the three days before the firing's local date (UTC): 2026-11-18..20
    const rows = await a.pool.query(
      `SELECT to_char(metric_date, 'YYYY-MM-DD') AS d FROM workshop_metrics WHERE metric_type = 'daily' ORDER BY 1`,
    );
    expect(rows.rows.map((r) => r.d)).toEqual(['2026-11-18', '2026-11-19', '2026-11-20']);
    await b.aggregator.refresher.refresh();
    const text = await (await fetch(`${b.url}/metrics`)).text();
    expect(
      gauge(text, 'workshop_aggregator_job_last_success_timestamp_seconds', 'aggregator_job="daily_metrics"'),
    ).toBeGreaterThanOrEqual(Math.floor(startedMs / 1000)); // this test's run, by the database's clock
    expect(
      gauge(text, 'workshop_aggregator_job_last_success_timestamp_seconds', 'aggregator_job="daily_metrics"'),
    ).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it('/metrics with live gauges still passes promtool check metrics', async () => {
    const { execFileSync } = await import('node:child_process');
    const text = await (await fetch(`${a.url}/metrics`)).text();
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text }).toString()).toBe('');
  });

  it('when a pending workshop is approved, its pending series leaves /metrics at the next refresh (so its alert resolves)', async () => {
    const series = `workshop_application_submitted_timestamp_seconds{workshop_id="${ids.W1}"}`;
    await a.aggregator.refresher.refresh();
    expect(await (await fetch(`${a.url}/metrics`)).text()).toContain(series);
    // A refresh still in flight when the approval is written (as the every-minute one may be), having read
    // the workshops before the write: its read of aggregator_jobs waits on a lock the test holds. The refresh
    // asked for after the write must not be answered by that one.
    let running: Promise<boolean> | undefined;
    let refreshed: Promise<boolean> | undefined;
    await withClient(dbUrl, async (blocker) => {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE aggregator_jobs IN ACCESS EXCLUSIVE MODE');
      const queries = vi.spyOn(a.pool, 'query'); // the pool the refresher reads through
      try {
        running = a.aggregator.refresher.refresh();
        // its first read: every workshop (a full read), or which ones changed since its last read (incremental)
        const workshopsRead = queries.mock.calls.findIndex(([sql]) =>
          /FROM workshops WHERE|FROM workshop_changes/.test(String(sql)),
        );
        expect(workshopsRead).toBeGreaterThanOrEqual(0);
        await queries.mock.results[workshopsRead]!.value; // it has read the workshops or their changes: W1 pending
      } finally {
        queries.mockRestore();
      }
      expect((await postEvents(a.url, approve(ids.W1, 0))).status).toBe(202);
      refreshed = a.aggregator.refresher.refresh();
      await blocker.query('COMMIT');
    });
    await running;
    await refreshed;
    const text = await (await fetch(`${a.url}/metrics`)).text();
    expect(text).not.toContain(series);
    expect(gauge(text, 'workshop_applications_pending')).toBe(5);
    expect(text).toContain(
      `workshop_info{workshop_id="${ids.W1}",name="Shop 1 \\"Auto\\"",city="Toronto",region="GTA",status="active"} 1`,
    );
    expect(text).not.toContain(
      `workshop_info{workshop_id="${ids.W1}",name="Shop 1 \\"Auto\\"",city="Toronto",region="GTA",status="pending"}`,
    );
  });
});
