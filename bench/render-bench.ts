/**
 * The render alone (issue 14; `npm run bench:render`, figures in BENCHMARKS.md, "Scrape cost per process"): the
 * aggregator's exposition of the live KPI gauges at BENCH_RENDER_WORKSHOPS (50,000) synthetic workshops, in a fresh
 * process, without PostgreSQL — kpiGaugeSamples + snapshotGaugesText's UTF-8 bytes (renderBuffer), wired as
 * src/aggregate/aggregator-module.ts and src/service.ts wire them. Three cases, BENCH_RENDER_RUNS (5) runs each:
 * - cold: the first render of a new process;
 * - warm, new rows: BENCH_RENDER_CHANGE_SHARE (5%) of the active workshops get a new session and a dashboard access
 *   before each run, and every row is a new object (what GaugeRefresher does today);
 * - warm, kept rows: the same changes, but an unchanged workshop keeps its row object (what the incremental refresh
 *   promises: the same WorkshopGauges object while its row and health score are unchanged).
 * Prints wall and this process's CPU ms per run, and the bytes. The snapshot is deterministic (seeded).
 */
import os from 'node:os';
import type { GaugeSnapshot, WorkshopGauges } from '../src/aggregate/gauge-refresher.js';
import { kpiGaugeSamples, LIVE_KPI_GAUGES } from '../src/aggregate/kpi-gauges.js';
import { snapshotGaugesText } from '../src/telemetry/kpi-gauges.js';
import { positiveNumberEnv } from './lib/harness.js';

const WORKSHOPS = positiveNumberEnv('BENCH_RENDER_WORKSHOPS', 50_000);
const RUNS = positiveNumberEnv('BENCH_RENDER_RUNS', 5);
const CHANGE_SHARE = positiveNumberEnv('BENCH_RENDER_CHANGE_SHARE', 0.05);
const BETA = { start: '2026-03-15', end: '2026-05-15', targetMin: 3, targetMax: 5 };
const DAY = 86_400_000;

/** mulberry32: a small seeded generator, so every run renders the same rows. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(14);
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const hex = (n: number) => Array.from({ length: n }, () => int(0, 15).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const CITIES = ['Toronto', 'Ottawa', 'Hamilton', 'Mississauga', 'London', 'Kingston', 'Barrie', 'Sudbury'];

/** Workshops shaped like bench/aggregate-gauges.ts's lifecycle: ~8% pending, 5% rejected, ~6% suspended. */
function workshops(n: number, nowMs: number): WorkshopGauges[] {
  const list: WorkshopGauges[] = [];
  for (let i = 0; i < n; i++) {
    const id = uuid();
    const u = rnd();
    const status = u < 0.08 ? 'pending' : u < 0.13 ? 'rejected' : u < 0.19 ? 'suspended' : 'active';
    const submitted = nowMs - int(1, 88 * 24) * 3_600_000;
    const approved = status === 'pending' || status === 'rejected' ? null : submitted + int(1, 96) * 3_600_000;
    list.push({
      workshopId: id,
      name: `Garage ${String(i + 1).padStart(5, '0')} ${id.slice(0, 4)}`,
      city: CITIES[i % CITIES.length]!,
      region: null,
      status,
      submittedAtMs: submitted,
      approvedAtMs: approved,
      lastDashboardAccessMs: approved === null || rnd() < 0.05 ? null : nowMs - int(0, 60) * DAY - int(0, DAY),
      capacity: int(4, 30),
      profileCompleteness: int(40, 100),
      mechanicsActive: int(0, 7),
      mechanicsJoined: int(0, 8),
      invitesSent30d: int(0, 4),
      invitesAccepted30d: int(0, 2),
      invitesResolved30d: int(0, 3),
      lastInviteMs: rnd() < 0.3 ? null : nowMs - int(0, 30) * DAY - int(0, DAY),
      sessions30d: int(0, 40),
      revenue30dCents: int(0, 2_000_000),
      revenuePrev30dCents: int(0, 2_000_000),
      health: status === 'active' ? { score: int(0, 100), status: 'healthy' } : null,
    });
  }
  // flat strings, as GaugeStore's JSON.parse gives them (a concatenated id hashes and compares slower)
  return JSON.parse(JSON.stringify(list.sort((a, b) => (a.workshopId < b.workshopId ? -1 : 1)))) as WorkshopGauges[];
}

/** A share of the active workshops gets a session and a dashboard access: a new row (and score) for each. */
function change(list: readonly WorkshopGauges[], nowMs: number, keepRows: boolean): WorkshopGauges[] {
  return list.map((w) => {
    if (w.status !== 'active' || rnd() >= CHANGE_SHARE) return keepRows ? w : { ...w };
    const score = Math.min(100, (w.health?.score ?? 0) + 1);
    return { ...w, sessions30d: w.sessions30d + 1, lastDashboardAccessMs: nowMs, health: { score, status: 'healthy' } };
  });
}

interface Run {
  case: string;
  wallMs: number;
  cpuMs: number;
  bytes: number;
}

function main() {
  const nowMs = Date.now();
  const load = os.loadavg().map((l) => l.toFixed(2));
  console.log(
    `bench:render — ${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model}, node ` +
      `${process.version}, load ${load.join(' ')}; ${WORKSHOPS.toLocaleString('en-US')} workshops`,
  );
  let snapshot: GaugeSnapshot = {
    workshops: workshops(WORKSHOPS, nowMs),
    rolling: null,
    jobs: [],
    jobsRead: true,
    refreshedAtMs: nowMs,
    refreshSeconds: 0.5,
  };
  const text = snapshotGaugesText(
    LIVE_KPI_GAUGES,
    kpiGaugeSamples(() => snapshot, BETA),
  );
  const runs: Run[] = [];
  const time = async (name: string) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const bytes = (await text.renderBuffer()).byteLength;
    const c = process.cpuUsage(c0);
    runs.push({ case: name, wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, bytes });
  };
  return (async () => {
    await time('cold');
    for (const keepRows of [false, true]) {
      for (let i = 0; i < RUNS; i++) {
        snapshot = {
          ...snapshot,
          workshops: change(snapshot.workshops, nowMs + i, keepRows),
          refreshedAtMs: nowMs + i,
        };
        await time(keepRows ? 'warm, kept rows' : 'warm, new rows');
      }
    }
    for (const name of ['cold', 'warm, new rows', 'warm, kept rows']) {
      const of = runs.filter((r) => r.case === name);
      const ms = (k: 'wallMs' | 'cpuMs') => of.map((r) => r[k].toFixed(0)).join(', ');
      console.log(`${name.padEnd(16)} wall ${ms('wallMs')} ms; CPU ${ms('cpuMs')} ms`);
    }
    console.log(`${runs[0]!.bytes.toLocaleString('en-US')} bytes; load after ${os.loadavg()[0]!.toFixed(2)}`);
    console.log(JSON.stringify({ date: new Date().toISOString(), loadavg: os.loadavg(), workshops: WORKSHOPS, runs }));
  })();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
