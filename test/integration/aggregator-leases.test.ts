/**
 * Scheduled firings are leases, and a starting replica catches up: a failed or abandoned firing of the daily or
 * weekly job is run again by a replica's next hourly job (once), and start-up fills in what no replica computed.
 * Two replicas share one database throughout; the weekly digest goes to a Slack-compatible sink, so "once" is
 * counted where it matters.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackSink, type Sink } from '../e2e/support/stack.js';
import { createTestDatabase, withClient } from '../support/database.js';
import { postEvents, startTestService } from '../support/service.js';

type Svc = Awaited<ReturnType<typeof startTestService>>;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Calendar arithmetic in UTC (the services run with METRICS_TZ=UTC), written here independently of periods.ts.
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayStart = (ms: number) => Math.floor(ms / DAY) * DAY;
const mondayStart = (ms: number) => dayStart(ms) - ((new Date(ms).getUTCDay() + 6) % 7) * DAY;

const started = (ms: number, i: number) => ({
  type: 'workshop_signup_started',
  session_id: `s-${ms}-${i}`,
  occurred_at: new Date(ms).toISOString(),
});

async function twoReplicas(slack: Sink<Record<string, unknown>>, dbUrl: string): Promise<[Svc, Svc]> {
  const urlFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'wa-leases-')), 'slack-url');
  writeFileSync(urlFile, `${slack.url}\n`);
  const env = { METRICS_TZ: 'UTC', DIGEST_SLACK_WEBHOOK_URL_FILE: urlFile };
  return [await startTestService(env, dbUrl), await startTestService(env, dbUrl)];
}

/**
 * Makes every upsert of `type` rows fail, as a broken database or a bug would. As the schema owner (the
 * migrator's URL): the service's own role may not create functions or triggers.
 */
async function breakRows(svc: Svc, type: 'daily' | 'weekly') {
  await withClient(svc.databaseUrl, async (c) => {
    await c.query(`CREATE OR REPLACE FUNCTION test_fail_${type}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'test: % rows are broken', NEW.metric_type; END $$`);
    await c.query(`CREATE TRIGGER test_fail_${type} BEFORE INSERT OR UPDATE ON workshop_metrics
      FOR EACH ROW WHEN (NEW.metric_type = '${type}') EXECUTE FUNCTION test_fail_${type}()`);
  });
}
const repairRows = (svc: Svc, type: 'daily' | 'weekly') =>
  withClient(svc.databaseUrl, (c) => c.query(`DROP TRIGGER test_fail_${type} ON workshop_metrics`));

const claim = async (svc: Svc, job: string, firingMs: number) =>
  (
    await svc.pool.query(
      `SELECT claimed_by, ok, attempts, finished_at IS NOT NULL AS finished FROM aggregator_runs
        WHERE job = $1 AND scheduled_for = $2`,
      [job, new Date(firingMs)],
    )
  ).rows[0];
const rowDates = async (svc: Svc, type: 'daily' | 'weekly' | 'monthly') =>
  (
    await svc.pool.query<{ d: string }>(
      `SELECT to_char(metric_date, 'YYYY-MM-DD') AS d FROM workshop_metrics WHERE metric_type = $1 ORDER BY 1`,
      [type],
    )
  ).rows.map((r) => r.d);

describe('a claimed firing is a lease', () => {
  const NOW = Date.now();
  const thisHour = Math.floor(NOW / HOUR) * HOUR;
  let slack: Sink<Record<string, unknown>>;
  let a: Svc;
  let b: Svc;

  beforeAll(async () => {
    slack = await startSlackSink();
    [a, b] = await twoReplicas(slack, await createTestDatabase());
    const events = Array.from({ length: 10 }, (_, i) => started(NOW - (i + 1) * DAY, i));
    expect((await postEvents(a.url, { events })).status).toBe(202);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await slack?.stop();
  });

  it('when the weekly firing fails, then the next hourly run on the other replica stores the row and sends the digest, once', async () => {
    const firing = mondayStart(NOW) + 2 * HOUR;
    const lastMonday = isoDate(mondayStart(NOW) - 7 * DAY);
    await breakRows(a, 'weekly');
    await a.aggregator.jobs.weekly_metrics.run(firing);
    expect(await claim(a, 'weekly_metrics', firing)).toMatchObject({ ok: false, finished: true });
    expect(await rowDates(a, 'weekly')).toEqual([]);
    expect(slack.received).toHaveLength(0);

    await repairRows(a, 'weekly');
    await b.aggregator.jobs.hourly_checks.run(thisHour);
    expect(await rowDates(a, 'weekly')).toContain(lastMonday); // (older weeks: the posted events were late ones)
    expect(await claim(a, 'weekly_metrics', firing)).toMatchObject({ ok: true, attempts: 2 });
    expect(slack.received.map((m) => String(m.text).match(/week of (\S+)/)?.[1])).toEqual([lastMonday]);

    // a later hourly run, and the firing arriving late on a replica, leave the successful firing alone
    await a.aggregator.jobs.hourly_checks.run(thisHour + HOUR);
    await b.aggregator.jobs.weekly_metrics.run(firing);
    expect(await claim(a, 'weekly_metrics', firing)).toMatchObject({ ok: true, attempts: 2 });
    expect(slack.received).toHaveLength(1);
  });

  it('when the replica running the daily firing dies, then its claim is taken over only once the lease has run out', async () => {
    const firing = dayStart(NOW) + HOUR;
    const yesterday = isoDate(NOW - DAY);
    await a.pool.query(
      `INSERT INTO aggregator_runs (job, scheduled_for, claimed_by, lease_until)
       VALUES ('daily_metrics', $1, 'crashed-host:4242', now() + interval '10 minutes')`,
      [new Date(firing)],
    );
    await b.aggregator.jobs.hourly_checks.run(thisHour - HOUR);
    expect(await claim(a, 'daily_metrics', firing)).toMatchObject({ claimed_by: 'crashed-host:4242', attempts: 1 });

    await a.pool.query(
      `UPDATE aggregator_runs SET lease_until = now() - interval '1 second'
        WHERE job = 'daily_metrics' AND scheduled_for = $1`,
      [new Date(firing)],
    );
    await b.aggregator.jobs.hourly_checks.run(thisHour - 2 * HOUR);
    expect(await rowDates(a, 'daily')).toContain(yesterday);
    const taken = await claim(a, 'daily_metrics', firing);
    expect(taken).toMatchObject({ ok: true, attempts: 2, finished: true });
    expect(taken.claimed_by).not.toBe('crashed-host:4242');
  });

  it('when both replicas retry the same failed firing at once, then it runs once', async () => {
    const firing = dayStart(NOW) - DAY + HOUR; // yesterday's 01:00 firing: the three days before yesterday
    await breakRows(a, 'daily');
    await a.aggregator.jobs.daily_metrics.run(firing);
    expect(await claim(a, 'daily_metrics', firing)).toMatchObject({ ok: false, attempts: 1 });
    await repairRows(a, 'daily');
    await Promise.all([
      a.aggregator.jobs.hourly_checks.run(thisHour - 3 * HOUR),
      b.aggregator.jobs.hourly_checks.run(thisHour - 4 * HOUR),
    ]);
    await a.aggregator.jobs.hourly_checks.run(thisHour - 5 * HOUR);
    expect(await claim(a, 'daily_metrics', firing)).toMatchObject({ ok: true, attempts: 2 });
    expect(await rowDates(a, 'daily')).toContain(isoDate(NOW - 4 * DAY));
  });
});

describe('start-up catch-up', () => {
  const NOW = Date.now();
  let slack: Sink<Record<string, unknown>>;
  let dbUrl: string;
  let a: Svc;
  let b: Svc;
  // every day of the last 14 has (i + 1) signups started, so each row is recognisable
  const days = Array.from({ length: 14 }, (_, i) => dayStart(NOW) - (i + 1) * DAY);

  beforeAll(async () => {
    slack = await startSlackSink();
    dbUrl = await createTestDatabase();
    [a, b] = await twoReplicas(slack, dbUrl);
    const events = days.flatMap((d, i) => Array.from({ length: i + 1 }, (_, j) => started(d + 10 * HOUR, j)));
    expect((await postEvents(a.url, { events })).status).toBe(202);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await slack?.stop();
  });

  it("when two replicas start together, then the last 14 days' rows, their complete weeks, last month's row and last week's digest are each done once", async () => {
    await Promise.all([a.aggregator.catchUp(NOW), b.aggregator.catchUp(NOW)]);
    const daily = await a.pool.query<{ d: string; n: number }>(
      `SELECT to_char(metric_date, 'YYYY-MM-DD') AS d, signups_started AS n FROM workshop_metrics
        WHERE metric_type = 'daily' ORDER BY 1`,
    );
    expect(daily.rows).toEqual(days.map((d, i) => ({ d: isoDate(d), n: i + 1 })).reverse());
    // complete ISO weeks (ended before today) holding any of the 14 days
    const mondays = [...new Set(days.map(mondayStart))].filter((m) => m + 7 * DAY <= dayStart(NOW)).sort();
    expect(await rowDates(a, 'weekly')).toEqual(mondays.map(isoDate));
    // last week's digest is due from Monday 02:00 (before, the Monday firing itself will send it)
    const due = NOW >= mondayStart(NOW) + 2 * HOUR;
    const lastMonday = isoDate(mondayStart(NOW) - 7 * DAY);
    const digests = due ? [lastMonday] : [];
    expect(slack.received.map((m) => String(m.text).match(/week of (\S+)/)?.[1])).toEqual(digests);

    await a.aggregator.catchUp(NOW + HOUR); // a restart later: nothing is sent again
    expect(slack.received).toHaveLength(digests.length);

    // last month's row, once: the firing of the 1st 03:00 (due) under its claim, or the missing-row fill
    const now = new Date(NOW);
    const lastMonth = isoDate(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    expect(await rowDates(a, 'monthly')).toEqual([lastMonth]);
    const monthly = await a.pool.query<{ n: number; ok: boolean }>(
      `SELECT count(*)::int AS n, bool_and(ok) AS ok FROM aggregator_runs WHERE job = 'monthly_metrics'`,
    );
    const firingDue = NOW >= Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1, 3);
    expect(monthly.rows[0]).toEqual(firingDue ? { n: 1, ok: true } : { n: 0, ok: null });
  });

  it('when a replica starts with its schedule on, then it catches up in the background and stops cleanly', async () => {
    await a.pool.query(`DELETE FROM workshop_metrics WHERE metric_date = $1`, [isoDate(days[5]!)]);
    const c = await startTestService({ METRICS_TZ: 'UTC' }, dbUrl, { schedule: true });
    try {
      for (let i = 0; i < 100 && !(await rowDates(a, 'daily')).includes(isoDate(days[5]!)); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await rowDates(a, 'daily')).toContain(isoDate(days[5]!));
    } finally {
      await c.stop();
    }
  });
});
