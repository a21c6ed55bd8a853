/**
 * The job runner dies in the middle of the weekly job: a service (a child process, schedule on) starts, its
 * start-up catch-up claims this week's weekly firing and is SIGKILLed while the weekly row's upsert waits on a
 * row lock the test holds. After a restart — two replicas at once — the weekly row is computed and the digest
 * sent exactly once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startSlackSink, type Sink } from '../e2e/support/stack.js';
import { createTestDatabase } from '../support/database.js';
import { postEvents, startTestService } from '../support/service.js';
import { killAll, spawnService } from '../support/service-process.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let slack: Sink<Record<string, unknown>> | undefined;
const services: Array<{ stop(): Promise<void> }> = [];
afterAll(async () => {
  killAll();
  for (const s of services) await s.stop().catch(() => {});
  await slack?.stop();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('when the job runner is killed in the middle of the weekly job', () => {
  it('then after a restart of two replicas the weekly row and the digest happen exactly once', async () => {
    // The weekly firing of this week (Monday 02:00 local) must be due. In the two hours after Monday 00:00 UTC it
    // is not, so the services then run three hours behind UTC (a zone without daylight saving), where it is.
    const now = Date.now();
    const utcMondayHour = new Date(now).getUTCDay() === 1 ? new Date(now).getUTCHours() : 24;
    const [tz, offsetMs] = utcMondayHour < 2 ? ['Etc/GMT+3', -3 * HOUR] : ['UTC', 0];
    const localNow = now + offsetMs;
    const localMonday = Math.floor(localNow / DAY) * DAY - ((new Date(localNow).getUTCDay() + 6) % 7) * DAY;
    const lastMonday = localMonday - 7 * DAY; // the week the firing computes
    const week = new Date(lastMonday).toISOString().slice(0, 10);
    const starts = [0, 1, 3, 6].map((d, i) => ({
      type: 'workshop_signup_started',
      session_id: `crash-${i}`,
      occurred_at: new Date(lastMonday + d * DAY + 10 * HOUR - offsetMs).toISOString(), // 10:00 local
    }));

    slack = await startSlackSink();
    const urlFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'wa-job-crash-')), 'slack-url');
    writeFileSync(urlFile, `${slack.url}\n`);
    const env = { METRICS_TZ: tz, DIGEST_SLACK_WEBHOOK_URL_FILE: urlFile, LOG_LEVEL: 'error' };
    const dbUrl = await createTestDatabase();

    // The week's events, loaded by a service without a schedule.
    const loader = await startTestService(env, dbUrl);
    const loaded = await postEvents(loader.url, { events: starts });
    expect(loaded.status, loaded.text).toBe(202);
    await loader.stop();

    const admin = new pg.Client({ connectionString: dbUrl });
    const holder = new pg.Client({ connectionString: dbUrl });
    await admin.connect();
    await holder.connect();
    try {
      // A placeholder weekly row, locked: the runner's upsert of it waits, mid-job.
      await admin.query(
        `INSERT INTO workshop_metrics (metric_date, metric_type, time_zone, window_start, window_end)
         VALUES ($1, 'weekly', $2, $3, $4)`,
        [week, tz, new Date(lastMonday - offsetMs), new Date(lastMonday + 7 * DAY - offsetMs)],
      );
      await holder.query('BEGIN');
      await holder.query(
        `SELECT 1 FROM workshop_metrics WHERE metric_type = 'weekly' AND metric_date = $1 FOR UPDATE`,
        [week],
      );

      const runner = await spawnService({
        ...env,
        DATABASE_URL: dbUrl,
        AGGREGATOR_MODE: 'inline',
        DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wa-job-crash-data-')),
      });
      // in the middle of the weekly job: its firing claimed and unfinished, its upsert waiting on the row lock
      await until('the weekly job to block on the row lock', async () => {
        const r = await admin.query(
          `SELECT (SELECT count(*) FROM aggregator_runs WHERE job = 'weekly_metrics' AND finished_at IS NULL)::int AS open,
                  (SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock')::int AS waiting`,
        );
        return r.rows[0].open === 1 && r.rows[0].waiting >= 1 ? true : undefined;
      });
      process.kill(-runner.pid, 'SIGKILL');
      await runner.exited;
      // A dead client's backend waiting on a lock would only notice the loss after the wait: end it, as a
      // crashed machine's connections end, before the lock is released.
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1`,
        [(await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid],
      );
      await holder.query('ROLLBACK');

      const before = await admin.query(
        `SELECT signups_started FROM workshop_metrics WHERE metric_type = 'weekly' AND metric_date = $1`,
        [week],
      );
      expect(before.rows).toEqual([{ signups_started: 0 }]); // the killed run wrote nothing
      expect(slack.received).toHaveLength(0);

      // The dead runner's lease runs out (15 minutes; here the clock is moved on in the claim itself).
      await admin.query(
        `UPDATE aggregator_runs SET lease_until = now() - interval '1 second'
          WHERE job = 'weekly_metrics' AND finished_at IS NULL`,
      );

      // Restart: two replicas, each catching up in the background at start.
      const a = await startTestService(env, dbUrl, { schedule: true });
      services.push(a);
      const b = await startTestService(env, dbUrl, { schedule: true });
      services.push(b);
      const run = await until('the weekly firing to be recorded as a success', async () => {
        const r = await admin.query(`SELECT ok, attempts FROM aggregator_runs WHERE job = 'weekly_metrics'`);
        return r.rows.length === 1 && r.rows[0].ok === true ? r.rows[0] : undefined;
      });
      await a.stop(); // stop() ends each catch-up after its current step
      await b.stop();

      expect(run).toEqual({ ok: true, attempts: 2 });
      const after = await admin.query(
        `SELECT signups_started FROM workshop_metrics WHERE metric_type = 'weekly' AND metric_date = $1`,
        [week],
      );
      expect(after.rows).toEqual([{ signups_started: starts.length }]);
      expect(slack.received).toHaveLength(1);
      expect(String(slack.received[0]!.text)).toContain(`Weekly digest, week of ${week}`);
    } finally {
      await holder.end().catch(() => {});
      await admin.end().catch(() => {});
    }
  }, 180_000);
});
