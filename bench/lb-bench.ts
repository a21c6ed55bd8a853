/**
 * Events/s through HAProxy with 1 and with 2 ingest replicas (issue 14; `npm run bench:lb`, figures in
 * BENCHMARKS.md). The replicas (AGGREGATOR_MODE=off, child processes) share one PostgreSQL (embedded, or
 * DATABASE_URL's server); HAProxy (`haproxy`, or Debian's /usr/sbin/haproxy) runs the balancing part of
 * haproxy/haproxy.cfg (leastconn, /readyz checks) with static loopback servers instead of Docker DNS. autocannon
 * loads it with single events and with 100-event batches (BENCH_LB_DURATION s each, BENCH_LB_CONNECTIONS).
 * After each run every acknowledged event id is looked up: acknowledged = stored.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../src/db/embedded-postgres.js';
import { openCluster, spawnService, type ServiceProcess } from './lib/harness.js';
import { buildBodies, runLoad } from './lib/http-load.js';

const DURATION = Number(process.env.BENCH_LB_DURATION ?? 10);
const list = (v: string | undefined, dflt: number[]) => (v ? v.split(',').map(Number) : dflt);
/** BENCH_LB_REPLICAS (default 1,2) and BENCH_LB_BATCHES (default 1,100): the runs to make. */
const REPLICAS = list(process.env.BENCH_LB_REPLICAS, [1, 2]);
const BATCHES = list(process.env.BENCH_LB_BATCHES, [1, 100]);
const CONNECTIONS = Number(process.env.BENCH_LB_CONNECTIONS ?? 64);
const TOKEN = `bench-${randomUUID()}`;
const HAPROXY = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';

/** haproxy.cfg's frontend and backend, with `servers` instead of the DNS server-template. */
function haproxyConfig(port: number, servers: string[]): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  retries 2',
    '  option redispatch',
    '  retry-on conn-failure empty-response',
    'frontend ingest',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance leastconn',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    ...servers.map((s, i) => `  server app${i + 1} ${s} check inter 2s`),
    '',
  ].join('\n');
}

async function startHaproxy(servers: string[]): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(port, servers));
  const proc = spawn(HAPROXY, ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { url, proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('haproxy did not answer /readyz');
}

async function stored(url: string, ids: Set<string>): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // the database is dropped WITH (FORCE) right after: an idle client's termination is not an error here
  pool.on('error', () => {});
  try {
    const list = [...ids];
    let n = 0;
    for (let i = 0; i < list.length; i += 50_000) {
      const r = await pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM workshop_event_ids WHERE id = ANY($1::uuid[])',
        [list.slice(i, i + 50_000)],
      );
      n += Number(r.rows[0]!.n);
    }
    return n;
  } finally {
    await pool.end();
  }
}

async function main() {
  console.log(
    `bench:lb — ${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${DURATION} s per run, ${CONNECTIONS} connections`,
  );
  const cluster = await openCluster('lb_bench');
  const lines: string[] = [];
  try {
    for (const replicas of REPLICAS) {
      for (const batch of BATCHES) {
        const label = `r${replicas}b${batch}`;
        const url = await cluster.freshDatabase(label);
        const svcs: ServiceProcess[] = [];
        for (let i = 0; i < replicas; i++) svcs.push(await spawnService(url, TOKEN, { AGGREGATOR_MODE: 'off' }));
        const lb = await startHaproxy(svcs.map((s) => new URL(s.url).host));
        const acked = new Set<string>();
        await runLoad({ url: lb.url, token: TOKEN, connections: CONNECTIONS, durationS: 2, batch, acked });
        const bodies = buildBodies(batch, Math.min(200_000, Math.ceil((acked.size / 2) * DURATION * 2.5) / batch));
        const r = await runLoad({
          url: lb.url,
          token: TOKEN,
          connections: CONNECTIONS,
          durationS: DURATION,
          batch,
          acked,
          bodies,
        });
        lb.proc.kill('SIGTERM');
        for (const s of svcs) await s.stop();
        const found = await stored(url, acked);
        const line =
          `${replicas} replica${replicas > 1 ? 's' : ''}, ${batch === 1 ? 'single events' : `${batch}-event batches`}: ` +
          `${r.eventsPerS.toLocaleString('en-US')} events/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, ` +
          `errors ${r.errors}; acknowledged ${acked.size.toLocaleString('en-US')} = stored ${found.toLocaleString('en-US')}: ${found === acked.size}`;
        console.log(line);
        lines.push(line);
        await cluster.dropDatabase(label);
      }
    }
  } finally {
    await cluster.stop();
  }
  const file = path.join(os.tmpdir(), `lb-bench-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), lines }, null, 2));
  console.log(`JSON: ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
