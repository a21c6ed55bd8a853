/**
 * GET /api/events?format=ndjson|csv streams every matching event in constant memory: 1,000,000 events (loaded with
 * set-based SQL) through real HTTP from the service as a child process, its resident set size (VmRSS of
 * /proc/<pid>/status, sampled every 50 ms) growing less than RSS_GROWTH_BOUND over its idle size after a warm-up
 * export, whatever the number of rows. A client that goes away mid-export
 * stops the query: its COPY and transaction are gone from pg_stat_activity, and the service goes on serving.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEvents } from '../support/bulk-events.js';
import { createTestDatabase, withClient } from '../support/database.js';
import { uuid } from '../support/events.js';
import { killAll, rssBytes, spawnService, type ServiceProcess } from '../support/service-process.js';
import { ADMIN_TOKEN, INGEST_TOKEN } from '../support/service.js';

const TOTAL = 1_000_000;
const MiB = 1024 * 1024;
/** What the service's RSS may grow by during one export (see the test). */
const RSS_GROWTH_BOUND = 50 * MiB;
const FROM_MS = Date.parse('2026-01-01T00:00:00Z');

let dbUrl: string;
let svc: ServiceProcess;

beforeAll(async () => {
  dbUrl = await createTestDatabase();
  const workshops = Array.from({ length: 200 }, () => uuid());
  // 1M events, one every 8 s: 93 days over four monthly partitions
  expect(await loadEvents(dbUrl, { total: TOTAL, fromMs: FROM_MS, stepMs: 8_000, workshops })).toBe(TOTAL);
  svc = await spawnService({
    DATABASE_URL: dbUrl,
    INGEST_TOKENS: INGEST_TOKEN,
    ADMIN_TOKENS: ADMIN_TOKEN,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wa-export-')),
  });
}, 180_000);

afterAll(async () => {
  svc?.kill('SIGTERM');
  await svc?.exited;
  killAll();
});

const get = (query: string, signal?: AbortSignal) =>
  fetch(`${svc.url}/api/events?${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal });

/** Connections of the service (the same role as the test's) holding an export's transaction or COPY query. */
const exportQueries = () =>
  withClient(dbUrl, async (c) => {
    const r = await c.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = current_user AND pid <> pg_backend_pid()
         AND (query LIKE 'COPY%' OR state = 'idle in transaction')`,
    );
    return r.rows[0].n as number;
  });

/** Waits up to 10 s for every export's query to end; the number still running. */
async function untilNoExportQuery(): Promise<number> {
  const deadline = Date.now() + 10_000;
  let n = await exportQueries();
  while (n > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    n = await exportQueries();
  }
  return n;
}

/** Reads a whole body counting its newlines, keeping only its first and last line. */
async function streamAndCount(query: string) {
  const started = performance.now();
  {
    const res = await get(query);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let lines = 0;
    let bytes = 0;
    let head = '';
    let tail = Buffer.alloc(0);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) lines++;
      if (head.length < 4096) head += Buffer.from(value.subarray(0, 4096)).toString('utf8');
      tail = Buffer.concat([tail, value]).subarray(-4096);
    }
    const seconds = (performance.now() - started) / 1000;
    const firstLine = head.slice(0, head.indexOf('\n'));
    const lastLines = tail.toString('utf8').split('\n');
    return { lines, bytes, seconds, firstLine, lastLine: lastLines.at(-2)! };
  }
}

describe('export of 1,000,000 events', () => {
  let idleRss = 0;

  beforeAll(async () => {
    // warm-up: the code paths of both formats loaded and run once
    for (const f of ['ndjson', 'csv'])
      expect((await (await get(`format=${f}&to=2026-01-02T00:00:00Z`)).text()).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    idleRss = rssBytes(svc.pid)!;
  }, 60_000);

  it.each(['ndjson', 'csv'] as const)(
    'format=%s streams every event, its RSS growth bounded far below the body size',
    async (format) => {
      let maxRss = 0;
      const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssBytes(svc.pid) ?? 0)), 50);
      const m = await streamAndCount(`format=${format}`).finally(() => clearInterval(sampler));
      const rows = format === 'csv' ? m.lines - 1 : m.lines;
      const growth = maxRss - idleRss;
      console.log(
        `export ${format}: ${rows} rows, ${(m.bytes / MiB).toFixed(0)} MiB in ${m.seconds.toFixed(1)} s = ` +
          `${Math.round(rows / m.seconds)} rows/s; service RSS idle ${(idleRss / MiB).toFixed(0)} MiB, ` +
          `max ${(maxRss / MiB).toFixed(0)} MiB (+${(growth / MiB).toFixed(1)} MiB)`,
      );
      expect(rows).toBe(TOTAL);
      // Constant memory: the service passes PostgreSQL's COPY bytes through (no per-row objects), reading the
      // database socket only as fast as the client takes the response. Measured +11-17 MiB (BENCHMARKS.md); the
      // bound is the 50 MiB.
      expect(growth).toBeLessThan(RSS_GROWTH_BOUND);
      expect(growth).toBeLessThan(m.bytes / 3);
      if (format === 'ndjson') {
        expect((JSON.parse(m.firstLine) as { occurred_at: string }).occurred_at).toBe('2026-01-01T00:00:00.000000Z');
        expect((JSON.parse(m.lastLine) as { occurred_at: string }).occurred_at).toBe(
          `${new Date(FROM_MS + (TOTAL - 1) * 8_000).toISOString().slice(0, -1)}000Z`,
        );
      } else expect(m.firstLine.startsWith('id,type,category,occurred_at,')).toBe(true);
    },
    120_000,
  );

  it('a third export while two run is answered 503 overloaded with Retry-After; pages are still served', async () => {
    const aborts = [new AbortController(), new AbortController()];
    try {
      const running = await Promise.all(aborts.map((a) => get('format=ndjson', a.signal)));
      for (const r of running) {
        expect(r.status).toBe(200);
        await r.body!.getReader().read(); // started; not read further, so backpressure holds it open
      }
      const third = await get('format=csv');
      expect(third.status).toBe(503);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await third.json()) as { error: { code: string } }).error.code).toBe('overloaded');
      expect((await get('limit=1')).status).toBe(200);
    } finally {
      aborts.forEach((a) => a.abort());
      await untilNoExportQuery();
    }
  }, 30_000);

  it('a client that goes away mid-export ends the query and frees its connection', async () => {
    const abort = new AbortController();
    // the previous test's exports release their slot just after their queries end: retry a 503 as a client would
    let res = await get('format=ndjson', abort.signal);
    for (let i = 0; res.status === 503 && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await get('format=ndjson', abort.signal);
    }
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let read = 0;
    while (read < 2 * MiB) read += (await reader.read()).value!.length;
    abort.abort();
    expect(await untilNoExportQuery()).toBe(0);
    // and the service serves on
    const page = await get('limit=1');
    expect(page.status).toBe(200);
  }, 30_000);
});
