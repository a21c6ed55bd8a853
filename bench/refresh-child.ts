/**
 * The aggregator's gauge refresh + render in a process of its own, for bench/scrape-bench.ts part 3: a process that
 * only refreshes and renders, as the aggregator does, instead of the bench process that generated 1.4 M events (its
 * heap and garbage collection made the render look 2-3× dearer). Wired as src/aggregate/aggregator-module.ts and
 * src/service.ts wire it: createPool(DATABASE_URL, DATABASE_POOL_SIZE) → GaugeStore(pool, INVITE_TTL_DAYS) →
 * GaugeRefresher → kpiGaugeSamples(() => refresher.snapshot, BETA_*, database up) → snapshotGaugesText(LIVE_KPI_GAUGES)
 * and its UTF-8 bytes (renderBuffer, what /metrics writes).
 *
 * Protocol: one command per line on stdin — `run` refreshes and renders once; `exit` closes the pool and ends. Each
 * `run` answers one JSON line on stdout: wall and this process's CPU ms of the refresh, of the samples
 * (kpiGaugeSamples) and of the text (snapshotGaugesText's bytes), the bytes, and the heap in use after it.
 */
import { createInterface } from 'node:readline';
import { GaugeRefresher } from '../src/aggregate/gauge-refresher.js';
import { GaugeStore } from '../src/aggregate/gauge-store.js';
import { kpiGaugeSamples, LIVE_KPI_GAUGES } from '../src/aggregate/kpi-gauges.js';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { snapshotGaugesText } from '../src/telemetry/kpi-gauges.js';

export interface ChildRun {
  refreshMs: number;
  samplesMs: number;
  textMs: number;
  refreshCpuMs: number;
  samplesCpuMs: number;
  textCpuMs: number;
  bytes: number;
  heapMb: number;
}

async function main() {
  const config = loadConfig();
  const pool = createPool(config.databaseUrl!, config.databasePoolSize, (err) => console.error(err));
  const refresher = new GaugeRefresher(new GaugeStore(pool, config.inviteTtlDays), (source, err) => {
    console.error(`refresh of ${source} failed`, err);
  });
  const samples = kpiGaugeSamples(
    () => refresher.snapshot,
    config.beta,
    () => true,
  );
  const text = snapshotGaugesText(LIVE_KPI_GAUGES, samples);
  const cpu = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'exit') break;
    if (line !== 'run') throw new Error(`unknown command: ${line}`);
    const [t0, c0] = [performance.now(), cpu()];
    if (!(await refresher.refresh(Date.now()))) throw new Error('refresh failed');
    const [t1, c1] = [performance.now(), cpu()];
    samples();
    const [t2, c2] = [performance.now(), cpu()];
    const body = await text.renderBuffer();
    const [t3, c3] = [performance.now(), cpu()];
    const run: ChildRun = {
      refreshMs: t1 - t0,
      samplesMs: t2 - t1,
      textMs: t3 - t2,
      refreshCpuMs: c1 - c0,
      samplesCpuMs: c2 - c1,
      textCpuMs: c3 - c2,
      bytes: body.byteLength,
      heapMb: process.memoryUsage().heapUsed / 2 ** 20,
    };
    process.stdout.write(`${JSON.stringify(run)}\n`);
  }
  await pool.end();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
