/**
 * Alert backtest benchmark (issue 15), two runs through the real path (event log in PostgreSQL, replay, promtool,
 * a throwaway prometheus, query_range, state machine), every replayable alert:
 *   A. the demo programme (scripts/demo, the example's anchor and seed): its last 28 days at a 1-minute step
 *      (target: at most 30 s);
 *   B. BENCH_WORKSHOPS (default 5,000) workshops over BENCH_DAYS (default 90) days at a 5-minute step, generated
 *      here with set-based SQL (target: at most 5 minutes).
 * Prints the time of each stage. BENCH_ONLY=A or B runs one. Results: BENCHMARKS.md.
 */
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EVENT_CATALOGUE } from '../src/catalogue/event-catalogue.js';
import { backtestCommand } from '../src/backtest/backtest-command.js';
import { checkBacktestOptions } from '../src/backtest/backtest-options.js';
import { demoProgramme } from '../scripts/demo/programme.js';
import { EXAMPLE_ANCHOR_MS, EXAMPLE_SEED } from '../scripts/report/example-report.js';
import { storeEvents, type LogEvent } from '../test/support/backtest-scenario.js';
import { openCluster } from './lib/harness.js';

const root = path.resolve(import.meta.dirname, '..');
const DAY = 86_400_000;
const WORKSHOPS = Number(process.env.BENCH_WORKSHOPS ?? 5000);
const DAYS = Number(process.env.BENCH_DAYS ?? 90);
const ONLY = process.env.BENCH_ONLY;

async function backtest(url: string, from: string, to: string, step: string) {
  const prepared = await backtestCommand.prepare(root, checkBacktestOptions({ from, to, step }));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const t0 = performance.now();
    const run = await prepared.runRaw(c, 7);
    const seconds = (performance.now() - t0) / 1000;
    const firings = run.results[0]!.alerts.reduce((n, a) => n + a.firing.length, 0);
    return { total: seconds, firings, events: run.stats.events, samples: run.stats.samples, stages: run.stats.seconds };
  } finally {
    await c.end();
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** B's log: signups, approvals after 1-80 h, daily logins and sessions, weekly invitations, emails. */
async function generateLarge(url: string, startMs: number, days: number, workshops: number): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('SET synchronous_commit = off');
    await c.query(
      `SELECT workshop_events_ensure_partition(m)
         FROM generate_series(date_trunc('month', $1::timestamptz - interval '12 days') , $2::timestamptz,
                              interval '1 month') AS m`,
      [new Date(startMs), new Date(startMs + days * DAY)],
    );
    await c.query(
      `CREATE TEMP TABLE bw AS
         SELECT gen_random_uuid() AS id, $1::timestamptz - random() * interval '10 days' AS signup,
                (1 + random() * 80) * interval '1 hour' AS wait, 0.3 + random() * 0.7 AS activity
           FROM generate_series(1, $2::int)`,
      [new Date(startMs), workshops],
    );
    const ins = (select: string, params: unknown[] = []) =>
      c.query(
        `INSERT INTO workshop_events (id, occurred_at, event_type, event_category, workshop_id, invite_id)
         SELECT gen_random_uuid(), at, type, category, wid, inv FROM (${select}) AS x(at, type, category, wid, inv)`,
        params,
      );
    await ins(`SELECT signup - interval '10 minutes', 'workshop_signup_started', 'signup', id, NULL FROM bw`);
    await ins(`SELECT signup, 'workshop_signup_success', 'signup', id, NULL FROM bw`);
    await ins(`SELECT signup + wait, 'workshop_approved', 'approval', id, NULL FROM bw`);
    await ins(`SELECT signup + wait + interval '1 minute',
                      CASE WHEN random() < 0.05 THEN 'email_approval_failed' ELSE 'email_approval_sent' END,
                      'email', id, NULL FROM bw`);
    const days_ = `generate_series(0, $1::int - 1) AS d`;
    await ins(
      `SELECT signup + wait + d * interval '1 day' + random() * interval '1 day', 'workshop_dashboard_accessed',
              'activity', id, NULL FROM bw, ${days_} WHERE random() < activity`,
      [days],
    );
    await ins(
      `SELECT signup + wait + d * interval '1 day' + random() * interval '1 day', 'session_completed', 'activity',
              id, NULL FROM bw, ${days_} WHERE random() < 0.7`,
      [days],
    );
    await c.query(
      `CREATE TEMP TABLE binv AS
         SELECT id AS wid, 'inv-' || gen_random_uuid() AS inv,
                signup + wait + d * interval '7 days' + random() * interval '7 days' AS sent, random() AS r
           FROM bw, generate_series(0, $1::int / 7) AS d WHERE random() < 0.5`,
      [days],
    );
    await ins(`SELECT sent, 'mechanic_invited', 'invitation', wid, inv FROM binv`);
    await ins(
      `SELECT sent + interval '1 day', 'mechanic_invite_accepted', 'invitation', wid, inv FROM binv WHERE r < 0.6`,
    );
    await ins(
      `SELECT sent + interval '8 days', 'mechanic_invite_expired', 'invitation', wid, inv FROM binv WHERE r >= 0.85`,
    );
    await c.query('ANALYZE workshop_events');
    return Number((await c.query('SELECT count(*) AS n FROM workshop_events')).rows[0].n);
  } finally {
    await c.end();
  }
}

const toLogEvent = (e: ReturnType<typeof demoProgramme>['events'][number]): LogEvent => ({
  id: e.id,
  type: e.type,
  category: EVENT_CATALOGUE[e.type as keyof typeof EVENT_CATALOGUE].category,
  atMs: Date.parse(e.occurred_at),
  workshopId: e.workshop_id,
  mechanicId: e.mechanic_id,
  inviteId: typeof e.metadata?.invite_id === 'string' ? e.metadata.invite_id : undefined,
  metadata: e.metadata,
});

console.log(
  `backtest bench: ${os.cpus().length} CPUs, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const cluster = await openCluster('backtest_bench');
try {
  if (ONLY !== 'B') {
    const url = await cluster.freshDatabase('demo');
    const demo = demoProgramme(EXAMPLE_ANCHOR_MS, EXAMPLE_SEED);
    await storeEvents(url, demo.events.map(toLogEvent));
    const toMs = Math.floor(EXAMPLE_ANCHOR_MS / DAY) * DAY;
    const r = await backtest(url, iso(toMs - 28 * DAY), iso(toMs), '1m');
    console.log(
      `A. demo programme, 28 days at 1m: ${r.total.toFixed(1)} s (target 30 s); ${r.events} events, ` +
        `${r.samples} samples, ${r.firings} firings; stages ${JSON.stringify(r.stages)}`,
    );
    await cluster.dropDatabase('demo');
  }
  if (ONLY !== 'A') {
    const url = await cluster.freshDatabase('large');
    const startMs = Date.parse('2026-01-05T00:00:00Z');
    const t0 = performance.now();
    const n = await generateLarge(url, startMs, DAYS, WORKSHOPS);
    console.log(
      `B. generated ${n} events for ${WORKSHOPS} workshops over ${DAYS} days in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    const r = await backtest(url, iso(startMs), iso(startMs + DAYS * DAY), '5m');
    console.log(
      `B. ${WORKSHOPS} workshops, ${DAYS} days at 5m: ${r.total.toFixed(1)} s (target 300 s); ${r.events} events, ` +
        `${r.samples} samples, ${r.firings} firings; stages ${JSON.stringify(r.stages)}`,
    );
    await cluster.dropDatabase('large');
  }
} finally {
  await cluster.stop();
}
