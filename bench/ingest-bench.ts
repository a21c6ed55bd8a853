/**
 * `npm run bench:ingest`: ingest throughput of the real service (child process) on PostgreSQL on this machine,
 * against two direct-to-database baselines. Each scenario gets a fresh, migrated database. Prints a markdown
 * table, writes JSON to the OS temp dir and exits 0 whatever the verdict (it reports, it does not gate).
 *
 * Env: BENCH_DURATION (s, default 15), BENCH_WARMUP (s, 2), BENCH_SINGLE_CONNECTIONS (64),
 * BENCH_BATCH_CONNECTIONS (64), BENCH_BULK_STREAMS (connections of the bulk
 * baselines, a list: "1,2"; the best COPY run is the ceiling the target names, INSERT … unnest is reported
 * alongside),
 * BENCH_INSERT_CLIENTS (8), DATABASE_URL (a cluster
 * on which databases may be created; unset: an embedded PostgreSQL in a temp dir), BENCH_SERVICE_NODE_ARGS
 * (extra node flags for the service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). The service inherits the
 * environment, so INGEST_FLUSH_CONCURRENCY, INGEST_FLUSH_MAX_EVENTS and DATABASE_POOL_SIZE set here apply to it.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bulkCopy, bulkInsert, countRows, singleInserts, type BaselineResult } from './lib/baselines.js';
import { cpuWindow, openCluster, positiveNumberEnv, spawnService, type Cluster, type CpuShare } from './lib/harness.js';
import { buildBodies, flushDelta, flushStats, runLoad, type Body, type LoadResult } from './lib/http-load.js';

const num = positiveNumberEnv;
const DURATION = num('BENCH_DURATION', 15);
const WARMUP = num('BENCH_WARMUP', 2);
const SINGLE_CONNECTIONS = num('BENCH_SINGLE_CONNECTIONS', 64);
const BATCH_CONNECTIONS = num('BENCH_BATCH_CONNECTIONS', 64);
const BULK_STREAMS = (process.env.BENCH_BULK_STREAMS ?? '1,2')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const INSERT_CLIENTS = num('BENCH_INSERT_CLIENTS', 8);
const BATCH_SIZE = 100;
/**
 * Bodies built for the measured window: the warm-up's request rate × duration × this (the warm-up runs
 * slower, before the JIT settles), at most PREBUILD_MAX_EVENTS events in all.
 */
const PREBUILD_MARGIN = 2.5;
const PREBUILD_MAX_EVENTS = 1_000_000;
const BULK_CHUNK = 10_000;
const TOKEN = randomBytes(24).toString('base64url');
const SERVICE_SETTINGS = `INGEST_FLUSH_CONCURRENCY ${process.env.INGEST_FLUSH_CONCURRENCY ?? '2 (default)'}, INGEST_FLUSH_MAX_EVENTS ${process.env.INGEST_FLUSH_MAX_EVENTS ?? '2000 (default)'}, DATABASE_POOL_SIZE ${process.env.DATABASE_POOL_SIZE ?? '10 (default)'}`;

interface HttpScenario extends LoadResult {
  connections: number;
  batch: number;
  cpu: CpuShare;
  flush: ReturnType<typeof flushDelta>;
  /** Events acknowledged with 2xx over warm-up + measurement, stored rows, and acknowledged ids found. */
  acked: number;
  stored: number;
  ackedStored: number;
  serviceLog: string[];
}
interface DbScenario extends BaselineResult {
  stored: number;
  streams?: number;
}

const log = (msg: string) => console.error(`[bench] ${msg}`);

async function httpScenario(
  cluster: Cluster,
  label: string,
  batch: number,
  connections: number,
): Promise<HttpScenario> {
  const db = await cluster.freshDatabase(label);
  const svc = await spawnService(db, TOKEN);
  const acked = new Set<string>();
  const load = (durationS: number, bodies?: Body[]) =>
    runLoad({ url: svc.url, token: TOKEN, connections, durationS, batch, acked, bodies });
  let res: LoadResult;
  let cpu: CpuShare;
  let flush: HttpScenario['flush'];
  try {
    log(
      `${label}: service pid ${svc.pid} at ${svc.url}; warm-up ${WARMUP} s, then ${DURATION} s with ${connections} connections`,
    );
    const warm = await load(WARMUP);
    // Bodies for the measured window are built now, from the warm-up rate with a margin, so the load
    // generator's CPU goes to sending rather than to making events.
    const bodies = buildBodies(
      batch,
      Math.min(Math.ceil(warm.reqPerS * DURATION * PREBUILD_MARGIN), Math.floor(PREBUILD_MAX_EVENTS / batch)),
    );
    log(`${label}: built ${bodies.length} request bodies`);
    const f0 = await flushStats(svc.url);
    const window = cpuWindow(svc.pid);
    res = await load(DURATION, bodies);
    cpu = window();
    flush = flushDelta(f0, await flushStats(svc.url));
  } finally {
    // SIGTERM drains the writer, so requests cut off by autocannon's deadline are settled before counting.
    const code = await svc.stop();
    if (code !== 0) log(`${label}: service exited with code ${code}`);
  }
  const { stored, ackedStored } = await countRows(db, acked);
  return {
    ...res,
    connections,
    batch,
    cpu,
    flush,
    acked: acked.size,
    stored,
    ackedStored: ackedStored!,
    serviceLog: svc.logLines.slice(0, 20),
  };
}

async function dbScenario(
  cluster: Cluster,
  label: string,
  run: (url: string) => Promise<BaselineResult>,
): Promise<DbScenario> {
  const db = await cluster.freshDatabase(label);
  log(`${label}: running`);
  const res = await run(db);
  const { stored } = await countRows(db);
  return { ...res, stored };
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 2 }) : 'n/a');
const cpuCell = (c: CpuShare) =>
  `${c.service ?? '–'} / ${c.postgres} / ${c.bench} / ${c.other} (${c.machine}% of ${os.cpus().length} cores${c.steal ? `, steal ${c.steal}%` : ''})`;
function ackCell(s: HttpScenario): string {
  const lost = s.acked - s.ackedStored;
  const extra = s.stored - s.ackedStored;
  if (lost !== 0) return `**NO**: ${fmt(lost)} of ${fmt(s.acked)} acknowledged not stored`;
  return `yes, ${fmt(s.acked)}${extra ? ` (+${fmt(extra)} unacknowledged, cut off at the deadline)` : ''}`;
}

function report(
  single: HttpScenario,
  batch: HttpScenario,
  bulks: DbScenario[],
  bulk: DbScenario,
  copies: DbScenario[],
  copy: DbScenario,
  inserts: DbScenario,
  pgVersion: string,
) {
  const ratio = batch.eventsPerS / copy.rowsPerS;
  const unnestRatio = batch.eventsPerS / bulk.rowsPerS;
  const singleOk = single.eventsPerS >= 5000 && single.p99 <= 50 && single.non2xx === 0 && single.errors === 0;
  const batchOk = ratio >= 0.75 && batch.non2xx === 0 && batch.errors === 0;
  const lines = [
    `| Scenario | Events (rows)/s | Requests/s | p50 ms | p99 ms | non-2xx / errors | Acknowledged = stored | CPU % of a core: service / postgres / bench / other (machine busy) |`,
    `|---|---:|---:|---:|---:|---:|---|---|`,
    `| 1. POST /v1/events, 1 event/request, ${single.connections} conn | ${fmt(single.eventsPerS)} | ${fmt(single.reqPerS)} | ${fmt(single.p50)} | ${fmt(single.p99)} | ${single.non2xx} / ${single.errors} | ${ackCell(single)} | ${cpuCell(single.cpu)} |`,
    `| 2. POST /v1/events, ${BATCH_SIZE} events/request, ${batch.connections} conn | ${fmt(batch.eventsPerS)} | ${fmt(batch.reqPerS)} | ${fmt(batch.p50)} | ${fmt(batch.p99)} | ${batch.non2xx} / ${batch.errors} | ${ackCell(batch)} | ${cpuCell(batch.cpu)} |`,
    ...bulks.map(
      (b) =>
        `| 3. Bulk INSERT … SELECT unnest (reference), ${fmt(BULK_CHUNK)} rows/stmt, ${b.streams} conn (${fmt(b.rows)} rows) | ${fmt(b.rowsPerS)} | – | ${fmt(b.p50)} / stmt | ${fmt(b.p99)} / stmt | – | stored ${fmt(b.stored)} | ${cpuCell(b.cpu)} |`,
    ),
    ...copies.map(
      (b) =>
        `| 3b. Raw COPY FROM STDIN (the ceiling; text, encoded in the timed window), ${fmt(BULK_CHUNK)} rows/COPY, ${b.streams} conn (${fmt(b.rows)} rows) | ${fmt(b.rowsPerS)} | – | ${fmt(b.p50)} / COPY | ${fmt(b.p99)} / COPY | – | stored ${fmt(b.stored)} | ${cpuCell(b.cpu)} |`,
    ),
    `| 4. One INSERT per event (autocommit), ${INSERT_CLIENTS} conn | ${fmt(inserts.rowsPerS)} | – | ${fmt(inserts.p50)} | ${fmt(inserts.p99)} | – | stored ${fmt(inserts.stored)} (incl. warm-up) | ${cpuCell(inserts.cpu)} |`,
  ];
  const flushLine = (name: string, x: HttpScenario) =>
    `- ${name}: ${fmt(x.flush.flushes)} flushes, ${fmt(x.flush.eventsPerFlush)} events/flush, ${fmt(x.flush.flushMs)} ms/flush; request bodies built during the window: ${fmt(x.builtDuringLoad)} (service: ${SERVICE_SETTINGS})`;
  lines.push(
    '',
    "Group commit during the measured window (from the service's /metrics):",
    '',
    flushLine('1 event/request', single),
    flushLine(`${BATCH_SIZE} events/request`, batch),
  );
  const verdict = [
    `Batch ÷ best raw COPY (${copy.streams} conn, the ceiling): ${fmt(batch.eventsPerS)} ÷ ${fmt(copy.rowsPerS)} = **${(ratio * 100).toFixed(1)}%**`,
    `Batch ÷ best INSERT … unnest (${bulk.streams} conn, for reference): ${fmt(batch.eventsPerS)} ÷ ${fmt(bulk.rowsPerS)} = ${(unnestRatio * 100).toFixed(1)}%`,
    '',
    `- Single events >= 5,000/s with p99 <= 50 ms: ${fmt(single.eventsPerS)}/s, p99 ${fmt(single.p99)} ms -> **${singleOk ? 'PASS' : 'FAIL'}**`,
    `- Batches >= 75% of the raw COPY rate: ${(ratio * 100).toFixed(1)}% -> **${batchOk ? 'PASS' : 'FAIL'}**`,
  ];
  console.log(
    `\n## Ingest benchmark (${new Date().toISOString()}, ${DURATION} s per scenario, PostgreSQL ${pgVersion})\n`,
  );
  console.log(lines.join('\n'));
  console.log(`\n${verdict.join('\n')}\n`);
  return { ratio, unnestRatio, singleOk, batchOk };
}

async function main(): Promise<void> {
  const cluster = await openCluster();
  try {
    const settings = await cluster.settings();
    log(
      `PostgreSQL ${settings.server_version} (${cluster.embedded ? 'embedded, temp dir' : 'DATABASE_URL'}); ${JSON.stringify(settings)}`,
    );
    const single = await httpScenario(cluster, 'single', 1, SINGLE_CONNECTIONS);
    const batch = await httpScenario(cluster, 'batch', BATCH_SIZE, BATCH_CONNECTIONS);
    const bulkRows = Math.max(BULK_CHUNK, Math.round(batch.eventsAcked / BULK_CHUNK) * BULK_CHUNK);
    const bulks: DbScenario[] = [];
    for (const streams of BULK_STREAMS) {
      bulks.push({
        ...(await dbScenario(cluster, `bulk${streams}`, (url) => bulkInsert(url, bulkRows, BULK_CHUNK, streams))),
        streams,
      });
    }
    const bulk = bulks.reduce((a, b) => (b.rowsPerS > a.rowsPerS ? b : a));
    const copies: DbScenario[] = [];
    for (const streams of BULK_STREAMS) {
      copies.push({
        ...(await dbScenario(cluster, `copy${streams}`, (url) => bulkCopy(url, bulkRows, BULK_CHUNK, streams))),
        streams,
      });
    }
    const copy = copies.reduce((a, b) => (b.rowsPerS > a.rowsPerS ? b : a));
    const inserts = await dbScenario(cluster, 'inserts', (url) => singleInserts(url, INSERT_CLIENTS, DURATION, WARMUP));
    for (const s of [single, batch])
      if (s.serviceLog.length) log(`service log (${s.batch}/request):\n${s.serviceLog.join('\n')}`);
    const verdict = report(single, batch, bulks, bulk, copies, copy, inserts, settings.server_version ?? '?');
    const out = {
      date: new Date().toISOString(),
      command: 'npm run bench:ingest',
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        postgres: settings,
      },
      config: {
        service: SERVICE_SETTINGS,
        durationS: DURATION,
        warmupS: WARMUP,
        singleConnections: SINGLE_CONNECTIONS,
        batchConnections: BATCH_CONNECTIONS,
        batchSize: BATCH_SIZE,
        bulkChunk: BULK_CHUNK,
        bulkStreams: BULK_STREAMS,
        insertClients: INSERT_CLIENTS,
        embedded: cluster.embedded,
      },
      scenarios: { single, batch, bulk: bulks, copy: copies, inserts },
      ...verdict,
    };
    const file = path.join(os.tmpdir(), `ingest-${out.date.slice(0, 19).replaceAll(':', '-')}.json`);
    await writeFile(file, JSON.stringify(out, null, 2) + '\n');
    console.log(`JSON: ${file}`);
  } finally {
    await cluster.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
