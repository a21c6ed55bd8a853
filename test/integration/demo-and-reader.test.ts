/**
 * `npm run demo`'s code path (loadDemo over HTTP) against the real service, then the read-only role Grafana
 * uses (migration 1730000000003): it reads the dashboard tables and nothing else, and writes nothing.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo, type DemoSummary } from '../../scripts/demo/load.js';
import { demoProgramme } from '../../scripts/demo/programme.js';
import { validateBody } from '../../src/ingest/event-schema.js';
import { withClient } from '../support/database.js';
import { ADMIN_TOKEN, INGEST_TOKEN, startTestService } from '../support/service.js';

type Service = Awaited<ReturnType<typeof startTestService>>;

const DASHBOARD_TABLES = [
  'workshop_events',
  'workshops',
  'invitations',
  'mechanics',
  'workshop_metrics',
  'workshop_alerts',
];
const SEED = 4242;
const nowMs = Date.now();
const programme = demoProgramme(nowMs, SEED);

let service: Service;
let summary: DemoSummary;
let readerUrl: string;
let couldLoginBefore: boolean;

beforeAll(async () => {
  service = await startTestService({ AGGREGATOR_MODE: 'off' });
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
  // what the compose job grafana-reader-login does with secrets/grafana-reader-password
  await withClient(service.databaseUrl, (c) => c.query(`ALTER ROLE grafana_reader WITH LOGIN PASSWORD '${password}'`));
}, 120_000);

afterAll(async () => {
  if (service) {
    if (!couldLoginBefore)
      await withClient(service.databaseUrl, (c) => c.query(`ALTER ROLE grafana_reader WITH NOLOGIN PASSWORD NULL`));
    await service.stop();
  }
});

describe('the demo programme', () => {
  it('is deterministic, ends now, and covers six weeks of every kind of event', () => {
    expect(JSON.stringify(demoProgramme(nowMs, SEED))).toBe(JSON.stringify(programme));
    expect(programme.endMs).toBeLessThanOrEqual(nowMs);
    expect(nowMs - programme.endMs).toBeLessThan(5 * 60_000);
    expect(programme.endMs - programme.startMs).toBe(42 * 86_400_000);
    const types = new Set(programme.events.map((e) => e.type));
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
    ]) {
      expect(types, t).toContain(t);
    }
    // the live windows have data: signups and emails in the last 24 h, an approval in the last 7 days
    const since = (ms: number, pred: (t: string) => boolean) =>
      programme.events.filter((e) => Date.parse(e.occurred_at) > nowMs - ms && pred(e.type)).length;
    expect(since(86_400_000, (t) => t.startsWith('workshop_signup_'))).toBeGreaterThan(0);
    expect(since(86_400_000, (t) => t.startsWith('email_'))).toBeGreaterThan(0);
    expect(since(7 * 86_400_000, (t) => t === 'workshop_approved')).toBeGreaterThan(0);
    expect(new Set(programme.events.map((e) => e.id)).size).toBe(programme.events.length);
  });

  it('is valid and shows every case at any time of day and for any seed', () => {
    for (let k = 0; k < 40; k++) {
      const at = nowMs - k * 7_919_000 * 13; // spread over ~2 months and every hour of the day
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
      expect(
        p.events.some((e) => e.type.startsWith('email_') && Date.parse(e.occurred_at) > at - 86_400_000),
        `seed ${k}: email in 24 h`,
      ).toBe(true);
    }
  });

  it('is accepted in full by the running service, and loading it again stores nothing new', async () => {
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

  it('backfills daily and weekly KPI rows over its range', () => {
    expect(summary.kpiRows.daily).toBe(43); // 42 days plus the partial day it ends on
    expect(summary.kpiRows.weekly).toBeGreaterThanOrEqual(6);
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
  });
});
