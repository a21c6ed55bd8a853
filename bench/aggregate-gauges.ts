/**
 * Target 3 of `npm run bench:aggregate`: GaugeRefresher.refresh with BENCH_AGG_GAUGE_WORKSHOPS (5,000) workshops
 * on a BENCH_AGG_GAUGE_EVENTS (1M) event table over 90 days — target ≤ 200 ms (cold and every warm run).
 * The workshops' lifecycle (signup, decision, suspensions, invitations, mechanics, dashboard accesses, sessions
 * with revenue, profile updates) goes through validateEvent and the real EventStore.insert so the projections are
 * right; the rest of the table is the set-based bulk mix. Also times each GaugeStore source alone, EXPLAIN ANALYZEs
 * every query of a refresh, and serializes a scrape through src/telemetry.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { GaugeRefresher } from '../src/aggregate/gauge-refresher.js';
import { GaugeStore } from '../src/aggregate/gauge-store.js';
import { healthScore } from '../src/aggregate/health-score.js';
import { inputsOf } from '../src/aggregate/gauge-refresher.js';
import { JobStore } from '../src/aggregate/job-store.js';
import { validateEvent, type NormalizedEvent } from '../src/ingest/event-schema.js';
import { kpiGaugeSamples, LIVE_KPI_GAUGES } from '../src/aggregate/kpi-gauges.js';
import { registerSnapshotGauges } from '../src/telemetry/kpi-gauges.js';
import { createTelemetry } from '../src/telemetry/metrics.js';
import { bulkLoad, DAY_MS, ensureMonths, insertLifecycle } from './aggregate-data.js';
import { recordingPool, type Call } from './lib/recording-pool.js';

const HOUR = 3_600_000;
const TARGET_MS = 200;
const DAYS = 90;
const CITIES: Array<[string, string]> = [
  ['Toronto', 'ON'],
  ['Montréal', 'QC'],
  ['Vancouver', 'BC'],
  ['Calgary', 'AB'],
  ['Ottawa', 'ON'],
  ['Edmonton', 'AB'],
  ['Winnipeg', 'MB'],
  ['Québec', 'QC'],
  ['Hamilton', 'ON'],
  ['Halifax', 'NS'],
  ['Saskatoon', 'SK'],
  ['Victoria', 'BC'],
];

const rnd = (a: number, b: number) => a + Math.random() * (b - a);
const int = (a: number, b: number) => Math.floor(rnd(a, b + 1));
const fmtN = (n: number) => n.toLocaleString('en-US');
const msStr = (n: number) => `${n.toFixed(1)} ms`;

export interface GaugeRow {
  target: string;
  measured: string;
  verdict: string;
}
export interface GaugeCheck {
  what: string;
  ok: boolean;
}

/**
 * Lifecycle of `n` workshops signed up over the last 88 days (up to an hour ago): 8% pending (plus those not decided
 * yet), 5% rejected, the rest approved 1-96 h after signup; 6% of the approved suspended (a third reactivated). Per approved workshop:
 * 0-7 mechanics (avg ~3.8), each through invite sent → (viewed) → accepted, 15% removed later; 0-4 more
 * invites (those older than 7 days mostly expired); dashboard accesses and sessions_completed with revenue over
 * the last 60 days (5% never log in, some have no sessions); profile completeness updates for 75%.
 */
export function gaugeLifecycle(
  n: number,
  nowMs: number,
): { events: NormalizedEvent[]; approved: string[]; byStatus: Record<string, number> } {
  const raws: Array<Record<string, unknown>> = [];
  const at = (ms: number) => new Date(Math.floor(Math.min(ms, nowMs - 1000))).toISOString();
  const admin = randomUUID();
  const approved: string[] = [];
  const byStatus: Record<string, number> = { pending: 0, rejected: 0, approved: 0, suspended: 0, reactivated: 0 };
  const windowStart = nowMs - 60 * DAY_MS;
  for (let i = 0; i < n; i++) {
    const w = randomUUID();
    const [city, province] = CITIES[i % CITIES.length]!;
    const signup = rnd(nowMs - 88 * DAY_MS, nowMs - HOUR);
    raws.push({
      type: 'workshop_signup_success',
      workshop_id: w,
      occurred_at: at(signup),
      metadata: {
        name: `Garage ${String(i + 1).padStart(4, '0')} ${w.slice(0, 4)}`,
        city,
        province,
        capacity: int(4, 30),
      },
    });
    const u = Math.random();
    const decided = signup + rnd(1, 96) * HOUR;
    if (u < 0.08 || decided > nowMs - 60_000) {
      byStatus.pending!++;
      continue;
    }
    if (u < 0.13) {
      byStatus.rejected!++;
      raws.push({ type: 'workshop_rejected', workshop_id: w, admin_id: admin, occurred_at: at(decided) });
      continue;
    }
    byStatus.approved!++;
    approved.push(w);
    raws.push({ type: 'workshop_approved', workshop_id: w, admin_id: admin, occurred_at: at(decided) });
    const since = Math.max(decided, windowStart);
    if (Math.random() < 0.06) {
      const susp = rnd(decided, nowMs);
      raws.push({ type: 'workshop_suspended', workshop_id: w, occurred_at: at(susp) });
      if (Math.random() < 1 / 3) {
        byStatus.reactivated!++;
        raws.push({ type: 'workshop_reactivated', workshop_id: w, occurred_at: at(rnd(susp, nowMs)) });
      } else byStatus.suspended!++;
    }
    if (Math.random() < 0.75) {
      for (let k = int(1, 2); k > 0; k--)
        raws.push({
          type: 'workshop_profile_updated',
          workshop_id: w,
          occurred_at: at(rnd(decided, nowMs)),
          metadata: { profile_completeness: int(40, 100) },
        });
    }
    const mechanics = Math.random() < 0.05 ? 0 : int(1, 7);
    for (let k = 0; k < mechanics; k++) {
      const m = randomUUID();
      const invite = `inv_${randomUUID()}`;
      const sent = rnd(decided, nowMs - 2 * HOUR);
      const accepted = sent + rnd(0.5, Math.min(72, (nowMs - sent) / HOUR));
      raws.push({ type: 'mechanic_invited', workshop_id: w, occurred_at: at(sent), metadata: { invite_id: invite } });
      if (Math.random() < 0.5)
        raws.push({
          type: 'mechanic_invite_viewed',
          workshop_id: w,
          occurred_at: at(rnd(sent, accepted)),
          metadata: { invite_id: invite },
        });
      raws.push({
        type: 'mechanic_invite_accepted',
        workshop_id: w,
        mechanic_id: m,
        occurred_at: at(accepted),
        metadata: { invite_id: invite },
      });
      if (Math.random() < 0.15)
        raws.push({ type: 'mechanic_removed', workshop_id: w, mechanic_id: m, occurred_at: at(rnd(accepted, nowMs)) });
    }
    for (let k = int(0, 4); k > 0; k--) {
      const invite = `inv_${randomUUID()}`;
      const sent = rnd(since, nowMs);
      raws.push({ type: 'mechanic_invited', workshop_id: w, occurred_at: at(sent), metadata: { invite_id: invite } });
      if (Math.random() < 0.3)
        raws.push({
          type: 'mechanic_invite_viewed',
          workshop_id: w,
          occurred_at: at(sent + rnd(0.1, 48) * HOUR),
          metadata: { invite_id: invite },
        });
      if (sent + 7 * DAY_MS < nowMs && Math.random() < 0.8)
        raws.push({
          type: 'mechanic_invite_expired',
          workshop_id: w,
          occurred_at: at(sent + 7 * DAY_MS),
          metadata: { invite_id: invite },
        });
    }
    if (Math.random() >= 0.05) {
      for (let k = int(2, 20); k > 0; k--)
        raws.push({
          type: 'workshop_dashboard_accessed',
          workshop_id: w,
          occurred_at: at(rnd(since, nowMs)),
          duration_ms: int(50, 800),
        });
    }
    for (let k = Math.random() < 0.1 ? 0 : int(1, 12); k > 0; k--) {
      raws.push({
        type: 'session_completed',
        workshop_id: w,
        occurred_at: at(rnd(since, nowMs)),
        metadata: { revenue_cents: int(1500, 60_000) },
      });
    }
  }
  const validateAt = Date.now();
  const events = raws.map((raw, i) => {
    const r = validateEvent(raw, i, { ipMode: 'store', nowMs: validateAt });
    if (!('event' in r)) throw new Error(`invalid lifecycle event: ${JSON.stringify(r.problems)}`);
    return r.event;
  });
  return { events: events.sort((a, b) => a.occurredAtMs - b.occurredAtMs), approved, byStatus };
}

interface Timed {
  coldMs: number;
  warmMs: number[];
  medianMs: number;
  maxMs: number;
}
function summary(coldMs: number, warmMs: number[]): Timed {
  const s = [...warmMs].sort((a, b) => a - b);
  return { coldMs, warmMs, medianMs: s[Math.floor(s.length / 2)] ?? NaN, maxMs: s[s.length - 1] ?? NaN };
}
const show = (t: Timed) =>
  `cold ${msStr(t.coldMs)}; warm ${t.warmMs.map((m) => m.toFixed(1)).join(', ')} ms → median ${msStr(t.medianMs)}, max ${msStr(t.maxMs)}`;

async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<Timed> {
  const once = async () => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  const cold = await once();
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) warm.push(await once());
  return summary(cold, warm);
}

const QUERY_NAMES: Array<[RegExp, string]> = [
  [/WITH m AS/, 'workshops'],
  [/GROUP BY 1/, 'rolling.counts'],
  [/JOIN workshops w/, 'rolling.approvals'],
  [/aggregator_jobs/, 'jobs'],
];
const nameOf = (text: string) => QUERY_NAMES.find(([re]) => re.test(text))?.[1] ?? text.slice(0, 40);

export async function runGaugeTarget(
  pool: pg.Pool,
  o: { runs: number; workshops: number; events: number; explain: boolean; log: (m: string) => void },
): Promise<{ rows: GaugeRow[]; checks: GaugeCheck[] }> {
  const { log } = o;
  const rows: GaugeRow[] = [];
  const checks: GaugeCheck[] = [];
  const check = (what: string, got: unknown, want: unknown) => {
    const ok = got === want;
    checks.push({ what: `${what}: ${String(got)} vs ${String(want)}`, ok });
    log(`  check ${ok ? 'OK  ' : 'FAIL'} ${what}: ${String(got)}, SQL ${String(want)}`);
  };

  // ---- load ----
  const t0 = performance.now();
  const nowMs = Date.now();
  const today = Date.UTC(new Date(nowMs).getUTCFullYear(), new Date(nowMs).getUTCMonth(), new Date(nowMs).getUTCDate());
  const fromMs = today - DAYS * DAY_MS;
  const months = await ensureMonths(pool, fromMs, nowMs + DAY_MS);
  const life = gaugeLifecycle(o.workshops, nowMs);
  const bulkTotal = Math.max(0, o.events - life.events.length);
  log(
    `  ${months} monthly partitions; ${fmtN(o.workshops)} workshops (${Object.entries(life.byStatus)
      .map(([k, v]) => `${k} ${fmtN(v)}`)
      .join(', ')}); ` +
      `bulk ${fmtN(bulkTotal)} events over ${DAYS} days (workshop ids from the approved ones), then ${fmtN(life.events.length)} lifecycle events via EventStore.insert`,
  );
  let lastLog = 0;
  await bulkLoad(pool, {
    fromMs,
    days: DAYS,
    total: bulkTotal,
    workshops: life.approved,
    concurrency: 2,
    progress: (d, n) => {
      const now = performance.now();
      if (now - lastLog < 15_000 && d < DAYS) return;
      lastLog = now;
      log(`  bulk: ${d}/${DAYS} days, ${fmtN(n)} rows, ${((now - t0) / 1000).toFixed(0)} s`);
    },
  });
  const t1 = performance.now();
  await insertLifecycle(pool, life.events);
  const t2 = performance.now();
  log(
    `  lifecycle: ${fmtN(life.events.length)} events in ${((t2 - t1) / 1000).toFixed(1)} s (${fmtN(Math.round(life.events.length / ((t2 - t1) / 1000)))} events/s)`,
  );
  const jobs = new JobStore(pool);
  for (const job of ['daily_metrics', 'weekly_metrics', 'hourly_checks']) await jobs.run(job, null, async () => {});
  await pool.query('VACUUM (ANALYZE) workshop_events');
  await pool.query('ANALYZE workshops, mechanics, invitations, aggregator_jobs');
  const stored = Number((await pool.query('SELECT count(*) AS n FROM workshop_events')).rows[0].n);
  const sizes = (
    await pool.query(`SELECT (SELECT count(*) FROM workshops)::int AS w, (SELECT count(*) FROM mechanics)::int AS m,
    (SELECT count(*) FROM invitations)::int AS i, (SELECT count(*) FROM workshops WHERE status = 'active')::int AS active,
    (SELECT pg_size_pretty(sum(pg_total_relation_size(relid))) FROM pg_partition_tree('workshop_events')) AS ev`)
  ).rows[0];
  log(
    `  VACUUM (ANALYZE) done; ${fmtN(stored)} events (${sizes.ev} with indexes), ${fmtN(sizes.w)} workshops (${fmtN(sizes.active)} active), ` +
      `${fmtN(sizes.m)} mechanics, ${fmtN(sizes.i)} invitations; load total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );

  // ---- refresh: cold + warm ----
  const store = new GaugeStore(pool);
  const refresher = new GaugeRefresher(store, (_s, e) => {
    throw e;
  });
  const internal: number[] = [];
  const refresh = await timeRuns(o.runs, async () => {
    await refresher.refresh(Date.now());
    internal.push((refresher.snapshot.refreshSeconds ?? NaN) * 1000);
  });
  log(
    `  refresh(): ${show(refresh)} (refreshSeconds as recorded by the refresher: ${internal.map((m) => m.toFixed(1)).join(', ')} ms)`,
  );
  const worst = Math.max(refresh.coldMs, refresh.maxMs);
  const fail = worst > TARGET_MS;

  // ---- each source alone ----
  const now = Date.now();
  let wrows: Awaited<ReturnType<GaugeStore['workshops']>> = [];
  const tw = await timeRuns(o.runs, async () => {
    wrows = await store.workshops(now);
  });
  const tr = await timeRuns(o.runs, () => store.rolling(now));
  const tj = await timeRuns(o.runs, () => store.jobs());
  const th = await timeRuns(o.runs, async () =>
    wrows.map((w) => (w.status === 'active' ? healthScore(inputsOf(w), now) : null)),
  );
  log(`  GaugeStore.workshops (${fmtN(wrows.length)} rows): ${show(tw)}`);
  log(`  GaugeStore.rolling: ${show(tr)}`);
  log(`  GaugeStore.jobs: ${show(tj)}`);
  log(`  healthScore over the rows (JS): ${show(th)}`);

  // ---- every query of one refresh, EXPLAIN ANALYZE ----
  const calls: Call[] = [];
  await new GaugeRefresher(new GaugeStore(recordingPool(pool, calls)), (_s, e) => {
    throw e;
  }).refresh(Date.now());
  const explained: string[] = [];
  for (const c of calls) {
    const plan = (await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${c.text}`, c.values)).rows.map(
      (r) => r['QUERY PLAN'] as string,
    );
    const exec = plan.find((l) => l.startsWith('Execution Time')) ?? '?';
    const shape = plan[0]!.trim().replace(/\s+\(cost.*$/, '');
    const line = `${nameOf(c.text)}: ${msStr(c.ms)} from the client in the refresh (${fmtN(c.rows)} rows); EXPLAIN ANALYZE ${exec}; top node ${shape}`;
    explained.push(line);
    log(`  ${line}`);
    if (fail || o.explain) log([`  --- plan of ${nameOf(c.text)} ---`, ...plan.map((l) => `  ${l}`)].join('\n'));
  }

  // ---- scrape-equivalent ----
  const telemetry = createTelemetry({ serviceName: 'aggregate-bench' });
  const beta = { start: '2026-03-15', end: '2026-05-15', targetMin: 3, targetMax: 5 };
  registerSnapshotGauges(
    telemetry.registry,
    LIVE_KPI_GAUGES,
    kpiGaugeSamples(() => refresher.snapshot, beta),
  );
  let text = '';
  const scrape = await timeRuns(o.runs, async () => {
    text = await telemetry.metricsText();
  });
  const bytes = Buffer.byteLength(text);
  const lines = text.split('\n');
  const series = lines.filter((l) => l !== '' && !l.startsWith('#')).length;
  const healthSeries = lines.filter((l) => l.startsWith('workshop_health_score{')).length;
  const infoSeries = lines.filter((l) => l.startsWith('workshop_info{')).length;
  await telemetry.shutdown();
  log(
    `  scrape (telemetry.metricsText()): ${show(scrape)}; ${fmtN(bytes)} bytes, ${fmtN(series)} series (${fmtN(healthSeries)} workshop_health_score, ${fmtN(infoSeries)} workshop_info)`,
  );

  // ---- sanity ----
  const snap = refresher.snapshot;
  const sql = (
    await pool.query(`SELECT count(*)::int AS all, count(*) FILTER (WHERE status = 'active')::int AS active,
      count(*) FILTER (WHERE status = 'pending')::int AS pending FROM workshops`)
  ).rows[0];
  check('[3] workshop_health_score series vs active workshops', healthSeries, sql.active);
  check('[3] snapshot workshops vs workshops rows', snap.workshops.length, sql.all);
  check('[3] workshop_info series vs workshops with a name', infoSeries, sql.all);
  const win = [new Date(now - 30 * DAY_MS), new Date(now + 1)];
  const sum = (f: (w: (typeof wrows)[number]) => number) => wrows.reduce((s, w) => s + f(w), 0);
  check(
    '[3] Σ sessions30d vs session_completed events in 30 days',
    sum((w) => w.sessions30d),
    Number(
      (
        await pool.query(
          `SELECT count(*) AS n FROM workshop_events e JOIN workshops USING (workshop_id) WHERE e.event_type = 'session_completed' AND e.occurred_at >= $1 AND e.occurred_at < $2`,
          win,
        )
      ).rows[0].n,
    ),
  );
  check(
    '[3] Σ invitesSent30d vs invitations sent in 30 days',
    sum((w) => w.invitesSent30d),
    Number(
      (await pool.query(`SELECT count(*) AS n FROM invitations WHERE sent_at >= $1 AND sent_at < $2`, win)).rows[0].n,
    ),
  );
  check(
    '[3] Σ mechanicsActive vs active mechanics',
    sum((w) => w.mechanicsActive),
    Number((await pool.query(`SELECT count(*) AS n FROM mechanics WHERE active`)).rows[0].n),
  );
  const health = snap.workshops
    .filter((w) => w.health)
    .reduce<Record<string, number>>((a, w) => ({ ...a, [w.health!.status]: (a[w.health!.status] ?? 0) + 1 }), {});
  log(
    `  health statuses of the ${fmtN(sql.active)} active workshops: ${Object.entries(health)
      .map(([k, v]) => `${k} ${fmtN(v)}`)
      .join(', ')}; ` + `rolling: ${JSON.stringify(snap.rolling)}; jobs: ${snap.jobs.length}`,
  );

  rows.push({
    target: `3. Gauge refresh (\`GaugeRefresher.refresh\`) with ${fmtN(sql.all)} workshops (${fmtN(sql.active)} active), ${fmtN(stored)} events ≤ 200 ms`,
    measured: `cold ${msStr(refresh.coldMs)}; warm median ${msStr(refresh.medianMs)}, max ${msStr(refresh.maxMs)} (${o.runs} runs)`,
    verdict: fail ? 'FAIL' : 'PASS',
  });
  rows.push({
    target: '3a. `GaugeStore.workshops` alone (no target)',
    measured: `cold ${msStr(tw.coldMs)}; warm median ${msStr(tw.medianMs)}, max ${msStr(tw.maxMs)}`,
    verdict: 'info',
  });
  rows.push({
    target: '3b. `GaugeStore.rolling` alone (no target)',
    measured: `cold ${msStr(tr.coldMs)}; warm median ${msStr(tr.medianMs)}, max ${msStr(tr.maxMs)}`,
    verdict: 'info',
  });
  rows.push({
    target: '3c. `GaugeStore.jobs` alone (no target)',
    measured: `cold ${msStr(tj.coldMs)}; warm median ${msStr(tj.medianMs)}, max ${msStr(tj.maxMs)}`,
    verdict: 'info',
  });
  rows.push({
    target: `3d. Scrape: \`telemetry.metricsText()\` with the KPI gauges (no target)`,
    measured: `cold ${msStr(scrape.coldMs)}; warm median ${msStr(scrape.medianMs)}, max ${msStr(scrape.maxMs)}; ${fmtN(bytes)} bytes, ${fmtN(series)} series`,
    verdict: 'info',
  });
  return { rows, checks };
}
