/**
 * Direct-to-PostgreSQL baselines on the same event mix, into workshop_events only (no idempotency keys, no
 * projections): a bulk load in 10,000-row statements (INSERT ... unnest, the ceiling the target names),
 * COPY FROM STDIN in 10,000-row chunks (pg-copy-streams), and one autocommitted INSERT per event (the
 * plan's original design).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { COLUMNS, makeEvent, normalize, rowOf } from './events.js';
import { cpuWindow, type CpuShare } from './harness.js';

const NAMES = COLUMNS.map(([n]) => n).join(', ');
const BULK_SQL = `INSERT INTO workshop_events (${NAMES}) SELECT * FROM unnest(${COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')})`;
const COPY_SQL = `COPY workshop_events (${NAMES}) FROM STDIN`;
const SINGLE_SQL = `INSERT INTO workshop_events (${NAMES}) VALUES (${COLUMNS.map(([, t], i) => `$${i + 1}::${t}`).join(', ')})`;

export interface BaselineResult {
  rows: number;
  durationS: number;
  rowsPerS: number;
  /** Per statement, ms. */
  p50: number;
  p99: number;
  /** Over the measured window, taken before the connections close (so their backends are still counted). */
  cpu: CpuShare;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
}

function summarize(rows: number, ms: number, latencies: number[], cpu: CpuShare): BaselineResult {
  const sorted = Float64Array.from(latencies).sort();
  return {
    rows,
    durationS: Math.round(ms) / 1000,
    rowsPerS: Math.round((rows * 1000) / ms),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    cpu,
  };
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {}); // failures surface on the query promises
  await c.connect();
  return c;
}

/**
 * `clients` connections, after creating this month's partition once, so the DDL is not in the timed window.
 */
async function connectAll(url: string, clients: number): Promise<pg.Client[]> {
  const first = await connect(url);
  await first.query('SELECT workshop_events_ensure_partition(now())');
  return [first, ...(await Promise.all(Array.from({ length: clients - 1 }, () => connect(url))))];
}

/** Column arrays for `n` fresh events, in chunks of `chunk` rows (built before timing starts). */
function columnChunks(n: number, chunk: number): unknown[][][] {
  const out: unknown[][][] = [];
  for (let done = 0; done < n; done += chunk) {
    const size = Math.min(chunk, n - done);
    const cols: unknown[][] = COLUMNS.map(() => new Array(size));
    for (let r = 0; r < size; r++) rowOf(normalize(makeEvent())).forEach((v, c) => (cols[c]![r] = v));
    out.push(cols);
  }
  return out;
}

/**
 * Writes `chunks` (prepared before timing) over `streams` connections, each connection taking the next
 * chunk when its last write returns; times every write and the whole run.
 */
async function timedChunks<T>(
  url: string,
  streams: number,
  rows: number,
  chunks: T[],
  write: (c: pg.Client, chunk: T) => Promise<unknown>,
): Promise<BaselineResult> {
  const clients = await connectAll(url, streams);
  const latencies: number[] = [];
  const window = cpuWindow();
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
        const s = performance.now();
        await write(c, chunk);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = window();
  await Promise.all(clients.map((c) => c.end()));
  return summarize(rows, ms, latencies, cpu);
}

/**
 * Bulk baseline: `rows` events as multi-row INSERT ... SELECT FROM unnest(...) of `chunk` rows each, over
 * `streams` connections.
 */
export async function bulkInsert(url: string, rows: number, chunk = 10_000, streams = 1): Promise<BaselineResult> {
  return timedChunks(url, streams, rows, columnChunks(rows, chunk), (c, cols) => c.query(BULK_SQL, cols));
}

/** One value in COPY's text format. */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v).replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/**
 * COPY baseline: `rows` events as COPY workshop_events FROM STDIN (text format) of `chunk` rows each, over
 * `streams` connections. Encoding the rows to COPY text is timed, as pg's array encoding is in bulkInsert.
 */
export async function bulkCopy(url: string, rows: number, chunk = 10_000, streams = 1): Promise<BaselineResult> {
  const chunks: unknown[][][] = [];
  for (let done = 0; done < rows; done += chunk) {
    chunks.push(Array.from({ length: Math.min(chunk, rows - done) }, () => rowOf(normalize(makeEvent()))));
  }
  return timedChunks(url, streams, rows, chunks, (c, part) => {
    const text = part.map((r) => r.map(copyField).join('\t')).join('\n') + '\n';
    return pipeline(Readable.from([text]), c.query(copyFrom(COPY_SQL)));
  });
}

/** One-row autocommit INSERTs (prepared once per connection) from `clients` connections for `durationS`. */
export async function singleInserts(
  url: string,
  clients: number,
  durationS: number,
  warmupS: number,
): Promise<BaselineResult> {
  const pool = await connectAll(url, clients);
  const prepared = Array.from({ length: 2000 }, () => rowOf(normalize(makeEvent())));
  const run = async (seconds: number, latencies: number[] | null) => {
    let rows = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      pool.map(async (c, ci) => {
        for (let i = ci; performance.now() < end; i++) {
          const values = [...prepared[i % prepared.length]!];
          values[0] = crypto.randomUUID();
          const s = performance.now();
          await c.query({ name: 'bench_insert_one', text: SINGLE_SQL, values });
          latencies?.push(performance.now() - s);
          rows++;
        }
      }),
    );
    return rows;
  };
  await run(warmupS, null);
  const latencies: number[] = [];
  const window = cpuWindow();
  const t0 = performance.now();
  const rows = await run(durationS, latencies);
  const ms = performance.now() - t0;
  const cpu = window();
  await Promise.all(pool.map((c) => c.end()));
  return summarize(rows, ms, latencies, cpu);
}

export async function countRows(
  url: string,
  ackedIds?: Set<string>,
): Promise<{ stored: number; ackedStored: number | null }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const stored = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM workshop_events')).rows[0]!.n);
    if (!ackedIds) return { stored, ackedStored: null };
    const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM workshop_events WHERE id = ANY($1::uuid[])', [
      [...ackedIds],
    ]);
    return { stored, ackedStored: Number(r.rows[0]!.n) };
  } finally {
    await c.end();
  }
}
