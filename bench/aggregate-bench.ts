/**
 * `npm run bench:aggregate`: KpiAggregator.compute against real PostgreSQL (embedded, or DATABASE_URL), each
 * target on its own freshly migrated database:
 *   1. one day's KPIs (and one ISO week) on a BENCH_AGG_EVENTS (10M) event table over 365 days  — target ≤ 0.5 s
 *   2. a 365-day daily backfill (and the weekly one) over BENCH_AGG_BACKFILL_EVENTS (1M) events — target ≤ 5 s
 *   3. GaugeRefresher.refresh with BENCH_AGG_GAUGE_WORKSHOPS (5,000) workshops on BENCH_AGG_GAUGE_EVENTS (1M)
 *      events over 90 days — target ≤ 200 ms (bench/aggregate-gauges.ts)
 * BENCH_AGG_ONLY=day,backfill,gauges (comma-separated) runs only those targets; default all three.
 * The first compute after loading is reported as "cold" (OS page cache still warm from the load). A breakdown
 * run records every query the store sends (time, rows), times sweepStates alone, and EXPLAIN ANALYZEs the reads
 * (plans printed when a target fails or BENCH_AGG_EXPLAIN=1). Exits 0 whatever the verdicts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { KpiAggregator } from '../src/aggregate/kpi-aggregator.js';
import { KpiStore, type MetricType } from '../src/aggregate/kpi-store.js';
import { addDays, dateRange, mondayOf } from '../src/aggregate/periods.js';
import { sweepStates } from '../src/aggregate/state-sweep.js';
import { DAY_MS, loadDataset } from './aggregate-data.js';
import { openCluster, type Cluster } from './lib/harness.js';
import { runGaugeTarget } from './aggregate-gauges.js';
import { recordingPool, type Call } from './lib/recording-pool.js';

const num = (k: string, d: number) => Number(process.env[k] ?? d);
const EVENTS = num('BENCH_AGG_EVENTS', 10_000_000);
const BACKFILL_EVENTS = num('BENCH_AGG_BACKFILL_EVENTS', 1_000_000);
const RUNS = num('BENCH_AGG_RUNS', 5);
const WORKSHOPS = num('BENCH_AGG_WORKSHOPS', 2_000);
const MECHANICS = num('BENCH_AGG_MECHANICS', 16_000);
const GAUGE_WORKSHOPS = num('BENCH_AGG_GAUGE_WORKSHOPS', 5_000);
const GAUGE_EVENTS = num('BENCH_AGG_GAUGE_EVENTS', 1_000_000);
const SHOW_PLANS = process.env.BENCH_AGG_EXPLAIN === '1';
const TARGETS = ['day', 'backfill', 'gauges'] as const;
const ONLY = (process.env.BENCH_AGG_ONLY ?? TARGETS.join(','))
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean);
for (const t of ONLY)
  if (!(TARGETS as readonly string[]).includes(t))
    throw new Error(`BENCH_AGG_ONLY: unknown target ${t} (one of ${TARGETS.join(', ')})`);
const want = (t: (typeof TARGETS)[number]) => ONLY.includes(t);
const DAYS = 365;
const log = (m: string) => console.log(m);
const fmtN = (n: number) => n.toLocaleString('en-US');
const sec = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

const aggregatorOn = (pool: pg.Pool) =>
  new KpiAggregator(new KpiStore(pool), 'UTC', {
    kpiFailure: (_s, e) => {
      throw e;
    },
  });

interface Timing {
  coldMs: number;
  warmMs: number[];
  medianMs: number;
  maxMs: number;
  rows: number;
}

async function timeIt(label: string, fn: () => Promise<unknown[]>): Promise<Timing> {
  const once = async () => {
    const t = performance.now();
    const rows = await fn();
    return { ms: performance.now() - t, rows: rows.length };
  };
  const cold = await once();
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push((await once()).ms);
  const sorted = [...warm].sort((a, b) => a - b);
  const t = {
    coldMs: cold.ms,
    warmMs: warm,
    medianMs: sorted[Math.floor(sorted.length / 2)] ?? NaN,
    maxMs: sorted[sorted.length - 1] ?? NaN,
    rows: cold.rows,
  };
  log(
    `  ${label}: cold ${sec(t.coldMs)}; warm ${warm.map((m) => (m / 1000).toFixed(3)).join(', ')} s → median ${sec(t.medianMs)}, max ${sec(t.maxMs)} (${t.rows} rows)`,
  );
  return t;
}

const QUERY_NAMES: Array<[RegExp, string]> = [
  [/unnest\(\$1::date\[\]\)/, 'windows'],
  [/GROUP BY 1, 2/, 'dayTypeCounts'],
  [/JOIN workshops/, 'decisions'],
  [/ORDER BY occurred_at, id/, 'lifecycleEvents'],
  [/INSERT INTO workshop_metrics/, 'upsert'],
  [/FROM workshop_metrics/, 'read'],
];
const nameOf = (text: string) => QUERY_NAMES.find(([re]) => re.test(text))?.[1] ?? text.slice(0, 40);

/** One instrumented compute: per-query times, JS remainder, sweepStates alone, EXPLAIN ANALYZE of the reads. */
async function breakdown(pool: pg.Pool, type: MetricType, dates: string[], showPlans: boolean): Promise<string[]> {
  const calls: Call[] = [];
  const t0 = performance.now();
  await aggregatorOn(recordingPool(pool, calls)).compute(type, dates);
  const total = performance.now() - t0;
  const inDb = calls.reduce((s, c) => s + c.ms, 0);
  const lines = calls.map((c) => `${nameOf(c.text)} ${c.ms.toFixed(1)} ms (${fmtN(c.rows)} rows)`);
  const store = new KpiStore(pool);
  const windows = await store.windows(dates, type, 'UTC');
  const events = await store.lifecycleEvents(windows[windows.length - 1]!.endMs);
  const ts = performance.now();
  sweepStates(
    events,
    windows.map((w) => w.endMs),
  );
  const sweepMs = performance.now() - ts;
  const notes = [
    `total ${total.toFixed(1)} ms = queries ${inDb.toFixed(1)} ms [${lines.join('; ')}] + JS ${(total - inDb).toFixed(1)} ms ` +
      `(of which sweepStates over ${fmtN(events.length)} lifecycle events × ${windows.length} windows: ${sweepMs.toFixed(1)} ms)`,
  ];
  for (const c of calls.filter((x) => ['dayTypeCounts', 'decisions', 'lifecycleEvents'].includes(nameOf(x.text)))) {
    const plan = (await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${c.text}`, c.values)).rows.map(
      (r) => r['QUERY PLAN'] as string,
    );
    const exec = plan.find((l) => l.startsWith('Execution Time')) ?? '?';
    const shape = plan[0]!.trim().replace(/\s+\(cost.*$/, '');
    notes.push(`EXPLAIN ANALYZE ${nameOf(c.text)}: ${exec}; top node ${shape}`);
    if (showPlans) log([`  --- plan of ${nameOf(c.text)} ---`, ...plan.map((l) => `  ${l}`)].join('\n'));
  }
  notes.forEach((n) => log(`  ${n}`));
  return notes;
}

async function count(pool: pg.Pool, where: string, params: unknown[]): Promise<number> {
  return Number((await pool.query(`SELECT count(*) AS n FROM workshop_events WHERE ${where}`, params)).rows[0].n);
}

interface Check {
  what: string;
  ok: boolean;
}
const check = (checks: Check[], what: string, got: unknown, want: unknown) => {
  const ok = got === want;
  checks.push({ what: `${what}: ${String(got)} vs ${String(want)}`, ok });
  log(`  check ${ok ? 'OK  ' : 'FAIL'} ${what}: aggregator ${String(got)}, SQL ${String(want)}`);
};

interface Row {
  target: string;
  measured: string;
  verdict: string;
}

async function main(): Promise<void> {
  const today = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00Z').getTime();
  const fromMs = today - DAYS * DAY_MS;
  const from = new Date(fromMs).toISOString().slice(0, 10);
  const yesterday = addDays(from, DAYS - 1);
  const lastWeek = addDays(mondayOf(yesterday), -7);
  const cluster: Cluster = await openCluster('aggregate_bench');
  const onSignal = () => {
    void cluster.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const table: Row[] = [];
  const checks: Check[] = [];
  let pgInfo = '';
  const settings = async (pool: pg.Pool) => {
    if (pgInfo) return;
    const s =
      await pool.query(`SELECT name, setting, unit FROM pg_settings WHERE name IN ('server_version', 'shared_buffers', 'work_mem',
      'max_parallel_workers_per_gather', 'jit', 'effective_cache_size') ORDER BY name`);
    pgInfo = s.rows.map((r) => `${r.name}=${r.setting}${r.unit ? ` (${r.unit})` : ''}`).join(', ');
  };
  let pool: pg.Pool;
  try {
    // ---- 1. one day / one week on the big table ----
    if (want('day')) {
      log(
        `\n[1] ${fmtN(EVENTS)} events over ${DAYS} days (${from} .. ${yesterday}), ${fmtN(WORKSHOPS)} workshops, ${fmtN(MECHANICS)} mechanics`,
      );
      pool = new pg.Pool({ connectionString: await cluster.freshDatabase('day'), max: 4 });
      await settings(pool);
      const stored1 = await loadDataset(pool, {
        fromMs,
        days: DAYS,
        total: EVENTS,
        workshops: WORKSHOPS,
        mechanics: MECHANICS,
        log,
      });
      const agg1 = aggregatorOn(pool);
      const day = await timeIt(`daily [${yesterday}]`, () => agg1.compute('daily', [yesterday]));
      const week = await timeIt(`weekly [${lastWeek}]`, () => agg1.compute('weekly', [lastWeek]));
      const [r1] = await agg1.compute('daily', [yesterday]);
      const dayArgs = [new Date(today - DAY_MS), new Date(today)];
      check(
        checks,
        `[1] ${yesterday} dashboard_logins`,
        r1?.dashboard_logins,
        await count(
          pool,
          `event_type = 'workshop_dashboard_accessed' AND occurred_at >= $1 AND occurred_at < $2`,
          dayArgs,
        ),
      );
      check(
        checks,
        `[1] ${yesterday} signups_started`,
        r1?.signups_started,
        await count(pool, `event_type = 'workshop_signup_started' AND occurred_at >= $1 AND occurred_at < $2`, dayArgs),
      );
      check(
        checks,
        `[1] ${yesterday} api_errors`,
        r1?.api_errors,
        await count(pool, `NOT success AND occurred_at >= $1 AND occurred_at < $2`, dayArgs),
      );
      const dayWorst = Math.max(day.coldMs, day.maxMs);
      const fail1 = dayWorst > 500;
      log('  breakdown, daily:');
      await breakdown(pool, 'daily', [yesterday], fail1 || SHOW_PLANS);
      log('  breakdown, weekly:');
      await breakdown(pool, 'weekly', [lastWeek], SHOW_PLANS);
      table.push({
        target: `1. One day's KPIs (\`compute('daily', [${yesterday}])\`) on ${fmtN(stored1)} events ≤ 0.5 s`,
        measured: `cold ${sec(day.coldMs)}; warm median ${sec(day.medianMs)}, max ${sec(day.maxMs)} (${RUNS} runs)`,
        verdict: fail1 ? 'FAIL' : 'PASS',
      });
      table.push({
        target: `1b. One ISO week (\`compute('weekly', [${lastWeek}])\`), same table (no target)`,
        measured: `cold ${sec(week.coldMs)}; warm median ${sec(week.medianMs)}, max ${sec(week.maxMs)}`,
        verdict: 'info',
      });
      await pool.end();
      await cluster.dropDatabase('day');
    }

    // ---- 2. 365-day backfill over 1M events ----
    if (want('backfill')) {
      log(`\n[2] ${fmtN(BACKFILL_EVENTS)} events over ${DAYS} days, backfill ${from} .. ${yesterday}`);
      pool = new pg.Pool({ connectionString: await cluster.freshDatabase('backfill'), max: 4 });
      await settings(pool);
      const stored2 = await loadDataset(pool, {
        fromMs,
        days: DAYS,
        total: BACKFILL_EVENTS,
        workshops: WORKSHOPS,
        mechanics: MECHANICS,
        log,
      });
      const agg2 = aggregatorOn(pool);
      const dates = dateRange(from, yesterday);
      const mondays = dateRange(mondayOf(from), mondayOf(yesterday)).filter((_d, i) => i % 7 === 0);
      const back = await timeIt(`daily backfill (${dates.length} days)`, () => agg2.compute('daily', dates));
      const weeks = await timeIt(`weekly backfill (${mondays.length} weeks)`, () => agg2.compute('weekly', mondays));
      const rows = await agg2.compute('daily', dates);
      const sum = (k: 'signups_started' | 'dashboard_logins' | 'revenue_cents') =>
        rows.reduce((a, r) => a + Number(r[k] ?? 0), 0);
      const range = [new Date(fromMs), new Date(today)];
      check(
        checks,
        '[2] Σ signups_started over 365 days',
        sum('signups_started'),
        await count(pool, `event_type = 'workshop_signup_started' AND occurred_at >= $1 AND occurred_at < $2`, range),
      );
      check(
        checks,
        '[2] Σ dashboard_logins over 365 days',
        sum('dashboard_logins'),
        await count(
          pool,
          `event_type = 'workshop_dashboard_accessed' AND occurred_at >= $1 AND occurred_at < $2`,
          range,
        ),
      );
      check(
        checks,
        '[2] Σ revenue_cents over 365 days',
        sum('revenue_cents'),
        Number(
          (
            await pool.query(
              `SELECT coalesce(sum(revenue_cents), 0) AS n FROM workshop_events WHERE occurred_at >= $1 AND occurred_at < $2`,
              range,
            )
          ).rows[0].n,
        ),
      );
      const last = rows[rows.length - 1]!;
      const proj = (
        await pool.query(`SELECT count(*) FILTER (WHERE status = 'active')::int AS active, count(*) FILTER (WHERE status = 'pending')::int AS pending,
        count(*) FILTER (WHERE status = 'suspended')::int AS suspended,
        (SELECT count(*)::int FROM mechanics m JOIN workshops x USING (workshop_id) WHERE m.active AND x.status = 'active') AS mech FROM workshops`)
      ).rows[0];
      check(checks, `[2] ${yesterday} active_workshops vs workshops projection`, last.active_workshops, proj.active);
      check(checks, `[2] ${yesterday} pending_workshops vs workshops projection`, last.pending_workshops, proj.pending);
      check(
        checks,
        `[2] ${yesterday} suspended_workshops vs workshops projection`,
        last.suspended_workshops,
        proj.suspended,
      );
      check(
        checks,
        `[2] ${yesterday} total_mechanics_active vs mechanics projection`,
        last.total_mechanics_active,
        proj.mech,
      );
      const backWorst = Math.max(back.coldMs, back.maxMs);
      const fail2 = backWorst > 5000;
      log('  breakdown, daily backfill:');
      await breakdown(pool, 'daily', dates, fail2 || SHOW_PLANS);
      log('  breakdown, weekly backfill:');
      await breakdown(pool, 'weekly', mondays, SHOW_PLANS);
      table.push({
        target: `2. 365-day daily backfill (\`compute('daily', ${dates.length} dates)\`) over ${fmtN(stored2)} events ≤ 5 s`,
        measured: `cold ${sec(back.coldMs)}; warm median ${sec(back.medianMs)}, max ${sec(back.maxMs)} (${RUNS} runs)`,
        verdict: fail2 ? 'FAIL' : 'PASS',
      });
      table.push({
        target: `2b. Weekly backfill of the same range (\`compute('weekly', ${mondays.length} Mondays)\`) (no target)`,
        measured: `cold ${sec(weeks.coldMs)}; warm median ${sec(weeks.medianMs)}, max ${sec(weeks.maxMs)}`,
        verdict: 'info',
      });
      await pool.end();
      await cluster.dropDatabase('backfill');
    }

    // ---- 3. gauge refresh with 5,000 workshops ----
    if (want('gauges')) {
      log(`\n[3] gauge refresh: ${fmtN(GAUGE_WORKSHOPS)} workshops, ${fmtN(GAUGE_EVENTS)} events over 90 days`);
      pool = new pg.Pool({ connectionString: await cluster.freshDatabase('gauges'), max: 4 });
      await settings(pool);
      const g = await runGaugeTarget(pool, {
        runs: RUNS,
        workshops: GAUGE_WORKSHOPS,
        events: GAUGE_EVENTS,
        explain: SHOW_PLANS,
        log,
      });
      table.push(...g.rows);
      checks.push(...g.checks);
      await pool.end();
    }
  } finally {
    await cluster.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  const free = execFileSync('free', ['-h']).toString().split('\n')[1]?.trim().split(/\s+/) ?? [];
  log('\n## Results (verdict: the cold run and every warm run within the target)\n');
  log('| Target | Measured | Verdict |\n|---|---|---|');
  for (const r of table) log(`| ${r.target} | ${r.measured} | ${r.verdict} |`);
  log(
    `\nSanity checks: ${checks.every((c) => c.ok) ? 'all OK' : 'FAILURES'} (${checks.filter((c) => c.ok).length}/${checks.length})`,
  );
  log(
    `\nMachine: nproc ${os.availableParallelism()}, memory ${free[1] ?? '?'} total (free -h), CPU ${cpu}, Node ${process.version}, ` +
      `PostgreSQL ${cluster.embedded ? 'embedded' : 'DATABASE_URL'}: ${pgInfo}`,
  );
  log(
    `Date: ${new Date().toISOString()}; load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (1/5/15 min); BENCH_AGG_ONLY=${ONLY.join(',')} ` +
      `BENCH_AGG_EVENTS=${EVENTS} BENCH_AGG_BACKFILL_EVENTS=${BACKFILL_EVENTS} BENCH_AGG_GAUGE_WORKSHOPS=${GAUGE_WORKSHOPS} BENCH_AGG_GAUGE_EVENTS=${GAUGE_EVENTS} BENCH_AGG_RUNS=${RUNS}`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
