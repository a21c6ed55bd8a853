/**
 * `npm run bench:lb`: ingest throughput through the load balancer of the replicated topology — HAProxy (the shipped
 * haproxy/haproxy.cfg on loopback, test/topology/support/haproxy.ts) in front of 1 and then 2 ingest replicas
 * (AGGREGATOR_MODE=off, child processes) on one PostgreSQL, and one replica without HAProxy as the reference;
 * single events and 100-event batches. Each scenario gets a fresh, migrated database; request bodies are built
 * before the measured window; after it, every acknowledged id is looked up (acknowledged = stored). Prints a
 * markdown table and exits 0 whatever the figures (it reports, it does not gate).
 *
 * Env: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (64), BENCH_BATCHES (events per
 * request, a list: "1,100"), DATABASE_URL (a cluster on which databases may be created; unset: an embedded
 * PostgreSQL).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { startHaproxy } from '../test/topology/support/haproxy.js';
import { countRows } from './lib/baselines.js';
import { cpuWindow, openCluster, positiveNumberEnv, spawnService, type Cluster, type CpuShare } from './lib/harness.js';
import { buildBodies, runLoad, type LoadResult } from './lib/http-load.js';

const num = positiveNumberEnv;
const DURATION = num('BENCH_DURATION', 10);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 64);
const BATCHES = (process.env.BENCH_BATCHES ?? '1,100')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
/** Bodies built for the measured window: the warm-up's event rate × duration × this, at most 200,000 events. */
const PREBUILD_MARGIN = 2.5;
const TOKEN = randomBytes(24).toString('base64url');

const log = (msg: string) => console.error(`[bench] ${msg}`);

interface Row extends LoadResult {
  label: string;
  batch: number;
  cpu: CpuShare;
  acked: number;
  stored: number;
  ackedStored: number;
}

async function scenario(
  cluster: Cluster,
  label: string,
  replicas: number,
  balanced: boolean,
  batch: number,
): Promise<Row> {
  const db = await cluster.freshDatabase(label);
  const services = await Promise.all(
    Array.from({ length: replicas }, () => spawnService(db, TOKEN, { AGGREGATOR_MODE: 'off' })),
  );
  const lb = balanced ? await startHaproxy(services.map((s) => Number(new URL(s.url).port))) : undefined;
  const url = lb?.url ?? services[0]!.url;
  const acked = new Set<string>();
  const load = { url, token: TOKEN, connections: CONNECTIONS, batch, acked };
  try {
    log(`${label}: warm-up ${WARMUP} s`);
    const warm = await runLoad({ ...load, durationS: WARMUP });
    const events = Math.min(200_000, warm.eventsPerS * DURATION * PREBUILD_MARGIN);
    const bodies = buildBodies(batch, Math.ceil(events / batch));
    log(`${label}: ${DURATION} s, ${CONNECTIONS} connections, ${batch} event(s) a request`);
    const window = cpuWindow();
    const res = await runLoad({ ...load, durationS: DURATION, bodies });
    const cpu = window();
    const { stored, ackedStored } = await countRows(db, acked);
    return { ...res, label, batch, cpu, acked: acked.size, stored, ackedStored: ackedStored ?? 0 };
  } finally {
    await lb?.stop();
    await Promise.all(services.map((s) => s.stop()));
    await cluster.dropDatabase(label);
  }
}

const NAMES: Record<string, string> = {
  direct_1: '1 replica, no load balancer (reference)',
  haproxy_1: 'HAProxy → 1 replica',
  haproxy_2: 'HAProxy → 2 replicas',
};

async function main() {
  const cluster = await openCluster('lb_bench');
  const rows: Row[] = [];
  try {
    for (const batch of BATCHES) {
      rows.push(await scenario(cluster, `direct_1`, 1, false, batch));
      rows.push(await scenario(cluster, `haproxy_1`, 1, true, batch));
      rows.push(await scenario(cluster, `haproxy_2`, 2, true, batch));
    }
  } finally {
    await cluster.stop();
  }
  console.log(
    `\n${new Date().toISOString()} · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}) · load average ` +
      `${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} · ${DURATION} s, ${CONNECTIONS} connections\n`,
  );
  console.log(
    '| scenario | events a request | events/s | p50 ms | p99 ms | non-2xx | errors | acknowledged = stored ' +
      '| machine busy % |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|');
  for (const r of rows)
    console.log(
      `| ${NAMES[r.label]} | ${r.batch} | ${r.eventsPerS.toLocaleString('en')} | ${r.p50} | ${r.p99} | ${r.non2xx} | ` +
        `${r.errors} | ${r.ackedStored === r.acked ? 'yes' : 'NO'}, ${r.acked.toLocaleString('en')} | ` +
        `${r.cpu.machine} |`,
    );
  for (const r of rows.filter((x) => x.non2xx > 0))
    console.log(`\n${NAMES[r.label]}, ${r.batch} a request: status codes ${JSON.stringify(r.statusCodes)}`);
  for (const batch of BATCHES) {
    const rate = (label: string) => rows.find((r) => r.label === label && r.batch === batch)?.eventsPerS ?? NaN;
    console.log(
      `\n${batch} event(s) a request, 2 replicas ÷ 1 replica through HAProxy: ` +
        `${(rate('haproxy_2') / rate('haproxy_1')).toFixed(2)}×`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
