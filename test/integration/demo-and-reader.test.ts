/**
 * `npm run demo`'s code path (loadDemo over HTTP) against the real service, then the read-only role Grafana
 * uses (migration 1730000000003): it reads the dashboard tables and nothing else, and writes nothing.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo, type DemoSummary } from '../../scripts/demo/load.js';
import { demoProgramme, type DemoProgramme } from '../../scripts/demo/programme.js';
import { validateBody } from '../../src/ingest/event-schema.js';
import { withClient } from '../support/database.js';
import { ADMIN_TOKEN, INGEST_TOKEN, startTestService } from '../support/service.js';

type Service = Awaited<ReturnType<typeof startTestService>>;

/**
 * Granted whole to grafana_reader; workshop_events (migration 1730000000011) and workshops (all but owner_email,
 * 1730000000012) only by column, see db-roles.test.ts.
 */
const DASHBOARD_TABLES = ['grafana_events', 'invitations', 'mechanics', 'workshop_metrics', 'workshop_alerts'];
const SEED = 4242;
/** A fixed anchor for the programme's own tests: a weekday afternoon (UTC), so the same events every run. */
const ANCHOR_MS = Date.parse('2026-11-20T15:37:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * What `npm run demo` does is about "now": the programme ends when it is loaded and the service's checks and
 * gauges measure from its own clock. So the loaded programme is anchored when the test runs (in beforeAll,
 * never when this file loads); its shape at any time of day is proven by the fixed-anchor tests below.
 */
let nowMs: number;
let programme: DemoProgramme;
let service: Service;
let summary: DemoSummary;
let readerUrl: string;
let couldLoginBefore: boolean;

beforeAll(async () => {
  service = await startTestService({ AGGREGATOR_MODE: 'off' });
  nowMs = Date.now();
  programme = demoProgramme(nowMs, SEED);
  summary = await loadDemo({
    serviceUrl: service.url,
    ingestToken: INGEST_TOKEN,
    adminToken: ADMIN_TOKEN,
    nowMs,
    seed: SEED,
  });
  const password = randomBytes(18).toString('base64url');
  couldLoginBefore = await withClient(service.databaseUrl, async (c) => {
    const r = await c.query<{ rolcanlogin: boolean }>(
      `SELECT rolcanlogin FROM pg_roles WHERE rolname = 'grafana_reader'`,
    );
    return r.rows[0]?.rolcanlogin ?? false;
  });
  const url = new URL(service.databaseUrl);
  url.username = 'grafana_reader';
  url.password = password;
  readerUrl = url.toString();
  if (!couldLoginBefore) {
    // NOLOGIN and no password as migrated: nobody can use it until a deployment gives it both
    await expect(withClient(readerUrl, async () => undefined)).rejects.toThrow(
      /not permitted to log in|password authentication failed/,
    );
  }
  // what the compose job db-logins does with secrets/grafana-reader-password
  await withClient(service.databaseUrl, (c) => c.query(`ALTER ROLE grafana_reader WITH LOGIN PASSWORD '${password}'`));
}, 120_000);

afterAll(async () => {
  if (service) {
    if (!couldLoginBefore)
      await withClient(service.databaseUrl, (c) => c.query(`ALTER ROLE grafana_reader WITH NOLOGIN PASSWORD NULL`));
    await service.stop();
  }
});

/** Events of `p` in the `ms` before `atMs` whose type passes `pred`. */
const within = (p: DemoProgramme, atMs: number, ms: number, pred: (t: string) => boolean) =>
  p.events.filter((e) => Date.parse(e.occurred_at) > atMs - ms && pred(e.type)).length;

describe('the demo programme (fixed seed and anchor)', () => {
  it('is deterministic, ends at its anchor, and covers six weeks of every kind of event', () => {
    const p = demoProgramme(ANCHOR_MS, SEED);
    expect(JSON.stringify(demoProgramme(ANCHOR_MS, SEED))).toBe(JSON.stringify(p));
    expect(p.endMs).toBeLessThanOrEqual(ANCHOR_MS);
    expect(ANCHOR_MS - p.endMs).toBeLessThan(5 * 60_000);
    expect(p.endMs - p.startMs).toBe(42 * DAY);
    const types = new Set(p.events.map((e) => e.type));
    for (const t of [
      'workshop_signup_started',
      'workshop_signup_failed',
      'workshop_signup_success',
      'workshop_approved',
      'workshop_rejected',
      'email_approval_sent',
      'email_invite_failed',
      'mechanic_invited',
      'mechanic_invite_accepted',
      'mechanic_invite_expired',
      'mechanic_removed',
      'workshop_suspended',
      'workshop_reactivated',
      'workshop_dashboard_accessed',
      'workshop_profile_updated',
      'session_completed',
      'page_viewed',
      'session_rated',
    ]) {
      expect(types, t).toContain(t);
    }
    // issue 12: every signup names its region, the rejection its reason; some pages load slowly (over 3 s)
    const signups = p.events.filter((e) => e.type === 'workshop_signup_success');
    expect(signups.every((e) => typeof e.metadata?.region === 'string')).toBe(true);
    expect(new Set(signups.map((e) => e.metadata!.region))).toContain('GTA');
    expect(p.events.filter((e) => e.type === 'workshop_rejected').every((e) => e.metadata?.reason)).toBe(true);
    const loads = p.events.filter((e) => e.type === 'page_viewed').map((e) => e.duration_ms!);
    expect(loads.some((ms) => ms > 3000)).toBe(true);
    expect(new Set(p.events.filter((e) => e.type === 'session_rated').map((e) => e.metadata!.rating))).toEqual(
      new Set([1, 2, 3, 4, 5]),
    );
    expect(new Set(p.events.map((e) => e.id)).size).toBe(p.events.length);
    // another anchor (a later `npm run demo`) is another programme with its own ids
    const later = new Set(demoProgramme(ANCHOR_MS + DAY, SEED).events.map((e) => e.id));
    expect(p.events.filter((e) => later.has(e.id))).toEqual([]);
  });

  it('is valid, shows every case and has data in the live windows at any time of day and for any seed', () => {
    for (let k = 0; k < 40; k++) {
      const at = ANCHOR_MS - k * 7_919_000 * 13; // spread over ~2 months and every hour of the day
      const p = demoProgramme(at, k);
      for (let i = 0; i < p.events.length; i += 1000) {
        const v = validateBody({ events: p.events.slice(i, i + 1000) }, { ipMode: 'truncate', nowMs: at });
        expect('problems' in v ? v.problems.slice(0, 3) : [], `seed ${k}`).toEqual([]);
      }
      expect(
        p.events.every((e) => Date.parse(e.occurred_at) >= p.startMs && Date.parse(e.occurred_at) <= p.endMs),
      ).toBe(true);
      const types = new Set(p.events.map((e) => e.type));
      for (const t of [
        'mechanic_invite_accepted',
        'mechanic_invite_expired',
        'mechanic_removed',
        'email_invite_failed',
        'session_completed',
      ])
        expect(types, `seed ${k}: ${t}`).toContain(t);
      // the live gauges have something to show: signups and emails in the last 24 h, an approval in 7 days
      expect(
        within(p, at, DAY, (t) => t.startsWith('workshop_signup_')),
        `seed ${k}: signup in 24 h`,
      ).toBeGreaterThan(0);
      expect(
        within(p, at, DAY, (t) => t.startsWith('email_')),
        `seed ${k}: email in 24 h`,
      ).toBeGreaterThan(0);
      expect(
        within(p, at, 7 * DAY, (t) => t === 'workshop_approved'),
        `seed ${k}: approval in 7 days`,
      ).toBeGreaterThan(0);
    }
  });
});

describe('the demo loaded into the running service, ending now', () => {
  it('is accepted in full, and loading it again stores nothing new', async () => {
    expect(summary.events).toMatchObject({
      sent: programme.events.length,
      accepted: programme.events.length,
      duplicates: 0,
    });
    const again = await loadDemo({
      serviceUrl: service.url,
      ingestToken: INGEST_TOKEN,
      adminToken: ADMIN_TOKEN,
      nowMs,
      seed: SEED,
      batchSize: 1000,
    });
    expect(again.events).toMatchObject({ accepted: 0, duplicates: programme.events.length });
  });

  it('backfills daily, weekly and monthly KPI rows over its range', () => {
    expect(summary.kpiRows.daily).toBe(43); // 42 days plus the partial day it ends on
    expect(summary.kpiRows.weekly).toBeGreaterThanOrEqual(6);
    expect(summary.kpiRows.monthly).toBeGreaterThanOrEqual(2); // six weeks touch two or three months
  });

  it('gives the hourly checks something to show: a stuck application and a workshop gone quiet', () => {
    expect(summary.checks.stuck_applications).toMatchObject({ triggered: true });
    expect(summary.checks.stuck_applications!.count).toBeGreaterThanOrEqual(1);
    expect(summary.checks.inactive_workshops).toMatchObject({ triggered: true });
  });
});

describe('grafana_reader', () => {
  const asReader = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(readerUrl, fn);
  const sqlState = async (c: pg.Client, sql: string) => {
    try {
      await c.query(sql);
      return 'ok';
    } catch (err) {
      return (err as { code?: string }).code;
    }
  };

  it('is a plain role: no superuser, no role or database creation, no replication', async () => {
    const r = await withClient(service.databaseUrl, (c) =>
      c.query(
        `SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = 'grafana_reader'`,
      ),
    );
    expect(r.rows[0]).toEqual({
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolreplication: false,
      rolbypassrls: false,
    });
  });

  it('reads every dashboard table, and sees the demo in them', async () => {
    await asReader(async (c) => {
      for (const t of DASHBOARD_TABLES) await c.query(`SELECT * FROM ${t} LIMIT 1`);
      const events = await c.query<{ n: string }>(`SELECT count(*) AS n FROM workshop_events WHERE occurred_at >= $1`, [
        new Date(programme.startMs),
      ]);
      expect(Number(events.rows[0]!.n)).toBe(programme.events.length);
      const statuses = await c.query<{ status: string; n: string }>(
        `SELECT status, count(*) AS n FROM workshops GROUP BY status ORDER BY status`,
      );
      expect(Object.fromEntries(statuses.rows.map((r) => [r.status, Number(r.n)]))).toEqual({
        active: 6,
        pending: 2,
        rejected: 1,
        suspended: 1,
      });
      const geo = await c.query(
        `SELECT count(*)::int AS n FROM workshops WHERE lat IS NOT NULL AND lon IS NOT NULL AND capacity > 0 AND province = 'ON'`,
      );
      expect(geo.rows[0].n).toBe(10);
      const inv = await c.query<{ status: string }>(`SELECT DISTINCT status FROM invitations`);
      expect(inv.rows.map((r) => r.status)).toEqual(expect.arrayContaining(['accepted', 'expired']));
      const removed = await c.query(`SELECT count(*)::int AS n FROM mechanics WHERE NOT active`);
      expect(removed.rows[0].n).toBeGreaterThan(0);
    });
  });

  it('finds KPI rows for the whole demo range that add up to the demo', async () => {
    await asReader(async (c) => {
      const daily = await c.query<{ days: number; signups: number; sessions: number; revenue: string; logins: number }>(
        `SELECT count(*)::int AS days, sum(signups_completed)::int AS signups, sum(sessions_completed)::int AS sessions,
                sum(revenue_cents)::text AS revenue, sum(dashboard_logins)::int AS logins
           FROM workshop_metrics WHERE metric_type = 'daily' AND metric_date BETWEEN $1 AND $2`,
        [programme.startDate, programme.endDate],
      );
      const count = (type: string) => programme.events.filter((e) => e.type === type).length;
      expect(daily.rows[0]).toMatchObject({ days: 43, signups: 10, sessions: count('session_completed') });
      expect(Number(daily.rows[0]!.revenue)).toBe(summary.revenueCents);
      expect(summary.revenueCents).toBeGreaterThan(0);
      const weekly = await c.query(
        `SELECT count(*)::int AS n FROM workshop_metrics WHERE metric_type = 'weekly' AND metric_date BETWEEN $1::date - 6 AND $2`,
        [programme.startDate, programme.endDate],
      );
      expect(weekly.rows[0].n).toBeGreaterThanOrEqual(6);
      // issue 12: monthly rows, with page load and satisfaction for the dashboards
      const monthly = await c.query<{ pages: number; load: number; rated: string }>(
        `SELECT count(*) FILTER (WHERE avg_page_load_ms > 0)::int AS pages, max(avg_page_load_ms) AS load,
                max(avg_satisfaction)::text AS rated
           FROM workshop_metrics WHERE metric_type = 'monthly'`,
      );
      expect(monthly.rows[0]!.pages).toBeGreaterThanOrEqual(2);
      expect(monthly.rows[0]!.load).toBeLessThan(3000); // the plan's target, met on average
      expect(Number(monthly.rows[0]!.rated)).toBeGreaterThan(3);
    });
  });

  it('cannot insert, update or delete, even outside its read-only default', async () => {
    await asReader(async (c) => {
      // first line of defence: its sessions are read-only by default
      expect(await sqlState(c, `DELETE FROM workshop_alerts`)).toBe('25006');
      // the real one: no privilege, whatever the session says
      await c.query(`SET default_transaction_read_only = off`);
      expect(
        await sqlState(
          c,
          `INSERT INTO workshop_events (id, occurred_at, event_type, event_category) VALUES (gen_random_uuid(), now(), 'x', 'signup')`,
        ),
      ).toBe('42501');
      expect(await sqlState(c, `UPDATE workshops SET name = 'pwned'`)).toBe('42501');
      expect(await sqlState(c, `DELETE FROM workshop_metrics`)).toBe('42501');
      expect(await sqlState(c, `DELETE FROM workshop_alerts`)).toBe('42501');
      expect(await sqlState(c, `TRUNCATE mechanics`)).toBe('42501');
      expect(await sqlState(c, `CREATE TABLE public.grafana_scratch (x int)`)).toBe('42501');
    });
  });

  it('cannot read what dashboards do not need: migrations, job bookkeeping, partitions directly', async () => {
    await asReader(async (c) => {
      expect(await sqlState(c, `SELECT * FROM pgmigrations`)).toBe('42501');
      expect(await sqlState(c, `SELECT * FROM aggregator_runs`)).toBe('42501');
      expect(await sqlState(c, `SELECT * FROM aggregator_jobs`)).toBe('42501');
      expect(await sqlState(c, `SELECT * FROM workshop_event_ids`)).toBe('42501');
      const partition = await c.query<{ name: string }>(
        `SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'workshop_events'::regclass LIMIT 1`,
      );
      expect(await sqlState(c, `SELECT * FROM ${partition.rows[0]!.name}`)).toBe('42501');
    });
    // and exactly the dashboard tables are granted
    const granted = await withClient(service.databaseUrl, (c) =>
      c.query<{ table_name: string; privilege_type: string }>(
        `SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = 'grafana_reader' ORDER BY table_name`,
      ),
    );
    expect(granted.rows.map((r) => `${r.table_name}:${r.privilege_type}`)).toEqual(
      [...DASHBOARD_TABLES].sort().map((t) => `${t}:SELECT`),
    );
    // and two tables by column: never the event log's personal columns, never the owner's e-mail address
    const columns = await withClient(service.databaseUrl, (c) =>
      c.query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.role_column_grants
          WHERE grantee = 'grafana_reader' AND privilege_type = 'SELECT'
            AND table_name IN ('workshop_events', 'workshops')`,
      ),
    );
    const hidden = ['ip_address', 'user_agent', 'metadata', 'error_message', 'session_id', 'owner_email'];
    expect(columns.rows.filter((r) => hidden.includes(r.column_name))).toEqual([]);
    expect(columns.rows.filter((r) => r.table_name === 'workshops').map((r) => r.column_name)).toContain('name');
  });
});
