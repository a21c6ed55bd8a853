/**
 * Event export benchmark (issue 12): BENCH_EVENTS (default 1,000,000) events loaded with set-based SQL
 * (test/support/bulk-events.ts), then `GET /api/events?format=ndjson` and `format=csv` streamed in full from the
 * service as a child process over real HTTP. Reports rows/s, MiB/s, and the service's RSS (VmRSS, sampled every
 * 50 ms) against its idle size after a warm-up export. Results: BENCHMARKS.md.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { loadEvents } from '../test/support/bulk-events.js';
import { openCluster, spawnService } from './lib/harness.js';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const MiB = 1024 * 1024;
const TOKEN = `bench-${randomUUID()}`;

function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

async function stream(url: string, pid: number, query: string) {
  let maxRss = 0;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rss(pid))), 50);
  const started = performance.now();
  try {
    const res = await fetch(`${url}/api/events?${query}`, { headers: { authorization: `Bearer ${TOKEN}-admin` } });
    if (res.status !== 200) throw new Error(`${query}: HTTP ${res.status} ${await res.text()}`);
    const reader = res.body!.getReader();
    let lines = 0;
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) lines++;
    }
    return { lines, bytes, seconds: (performance.now() - started) / 1000, maxRss };
  } finally {
    clearInterval(sampler);
  }
}

const cluster = await openCluster('export_bench');
try {
  const db = await cluster.freshDatabase('export');
  const workshops = Array.from({ length: 200 }, () => randomUUID());
  let t = performance.now();
  const from = Date.parse('2026-01-01T00:00:00Z');
  await loadEvents(db, { total: TOTAL, fromMs: from, stepMs: 8_000, workshops });
  console.log(`loaded ${TOTAL} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const svc = await spawnService(db, TOKEN);
  try {
    for (const f of ['ndjson', 'csv']) await stream(svc.url, svc.pid, `format=${f}&to=2026-01-02T00:00:00Z`);
    await new Promise((r) => setTimeout(r, 500));
    const idle = rss(svc.pid);
    console.log(
      `${new Date().toISOString()} ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load ${os.loadavg()[0]!.toFixed(1)}`,
    );
    console.log('| format | rows | MiB | seconds | rows/s | MiB/s | RSS idle → max (growth) |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
    for (const format of ['ndjson', 'csv'] as const) {
      t = performance.now();
      const m = await stream(svc.url, svc.pid, `format=${format}`);
      const rows = format === 'csv' ? m.lines - 1 : m.lines;
      if (rows !== TOTAL) throw new Error(`${format}: ${rows} rows, expected ${TOTAL}`);
      console.log(
        `| ${format} | ${rows} | ${(m.bytes / MiB).toFixed(0)} | ${m.seconds.toFixed(1)} | ${Math.round(rows / m.seconds)} | ` +
          `${(m.bytes / MiB / m.seconds).toFixed(1)} | ${(idle / MiB).toFixed(0)} → ${(m.maxRss / MiB).toFixed(0)} MiB ` +
          `(+${((m.maxRss - idle) / MiB).toFixed(1)}) |`,
      );
    }
  } finally {
    await svc.stop();
  }
} finally {
  await cluster.stop();
}
