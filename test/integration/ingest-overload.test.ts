/**
 * Bounded memory under overload (issue 10, item 8): pending work is limited in bytes, concurrent body reads are
 * capped, and both answer 503 overloaded with Retry-After. The flood runs against the service as a child process,
 * whose resident set size is sampled from /proc during the flood.
 */
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withClient } from '../support/database.js';
import { ev, uuid } from '../support/events.js';
import { INGEST_TOKEN, postEvents, startTestService } from '../support/service.js';
import { killAll, rssBytes, spawnService } from '../support/service-process.js';

const MiB = 1024 * 1024;
afterAll(killAll);

/** Starts a POST /v1/events that sends its headers and part of its body, then stalls until `finish()`. */
function stalledUpload(url: string, body: string) {
  const u = new URL('/v1/events', url);
  const req = http.request(u, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${INGEST_TOKEN}`,
      'content-length': Buffer.byteLength(body),
    },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10));
  return { status, finish: () => req.end(body.slice(10)) };
}

describe('when more request bodies are being read than INGEST_MAX_CONCURRENT_BODIES', () => {
  it('then the next request is answered 503 overloaded with Retry-After at once, and the others still land', async () => {
    const svc = await startTestService({ INGEST_MAX_CONCURRENT_BODIES: '4' });
    try {
      const events = Array.from({ length: 4 }, () => ev('workshop_dashboard_accessed', { workshop_id: uuid() }));
      const uploads = events.map((e) => stalledUpload(svc.url, JSON.stringify(e)));
      await new Promise((r) => setTimeout(r, 300)); // the four are being read
      const started = performance.now();
      const res = await postEvents(svc.url, ev('workshop_dashboard_accessed', { workshop_id: uuid() }));
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(res.status).toBe(503);
      expect(res.json.error).toMatchObject({ code: 'overloaded' });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await svc.telemetry.metricsText()).toMatch(
        /^workshop_ingest_events_rejected_total\{reason="overloaded"\} 1$/m,
      );
      uploads.forEach((u) => u.finish());
      expect(await Promise.all(uploads.map((u) => u.status))).toEqual([202, 202, 202, 202]);
    } finally {
      await svc.stop();
    }
  });
});

describe('when a flood of 16 KiB events passes INGEST_MAX_PENDING_BYTES', () => {
  it('then it gets 503 overloaded with Retry-After, RSS stays under the documented bound, and every 202 is stored', async () => {
    const dbUrl = await createTestDatabase();
    const maxPendingBytes = 2 * MiB;
    const svc = await spawnService({
      DATABASE_URL: dbUrl,
      INGEST_TOKENS: INGEST_TOKEN,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wa-flood-')),
      INGEST_MAX_PENDING_BYTES: String(maxPendingBytes),
    });
    const pad = 'x'.repeat(16_000);
    const acked: string[] = [];
    const statuses = new Map<number, number>();
    let retryAfterMissing = 0;
    let otherCodes = 0;
    let maxRss = 0;
    const idleRss = rssBytes(svc.pid)!;
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssBytes(svc.pid) ?? 0)), 50);
    // The writer is held up for the first 2 s (a transaction locks the idempotency keys' table against inserts), so
    // the pending bytes pass their limit whatever this machine's speed: the 503s are certain, not luck.
    const locker = new pg.Client({ connectionString: dbUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE workshop_event_ids IN EXCLUSIVE MODE');
    const released = new Promise<void>((resolve) =>
      setTimeout(() => void locker.query('COMMIT').then(() => locker.end().then(resolve)), 2_000),
    );
    const until = performance.now() + 8_000;
    let sent = 0;
    const worker = async () => {
      while (performance.now() < until && sent < 40_000) {
        sent++;
        const e = ev('workshop_dashboard_accessed', { workshop_id: uuid(), metadata: { pad } });
        const r = await postEvents(svc.url, e);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 202) acked.push(e.id as string);
        else if (r.status === 503) {
          if (!(Number(r.headers.get('retry-after')) > 0)) retryAfterMissing++;
          if ((r.json.error as { code?: string }).code !== 'overloaded') otherCodes++;
        }
      }
    };
    await Promise.all(Array.from({ length: 256 }, worker));
    await released;
    clearInterval(sampler);
    // the bound documented in README.md ("Overload and database faults")
    const bound = 300 * MiB + 4 * maxPendingBytes + 256 * (16 * 1024);
    console.log(
      `flood: ${sent} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `RSS idle ${(idleRss / MiB).toFixed(0)} MiB, max ${(maxRss / MiB).toFixed(0)} MiB, bound ${(bound / MiB).toFixed(0)} MiB`,
    );
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(retryAfterMissing).toBe(0);
    expect(otherCodes).toBe(0);
    expect([...statuses.keys()].sort()).toEqual([202, 503]);
    expect(maxRss).toBeLessThan(bound);
    const stored = await withClient(dbUrl, async (c) =>
      Number((await c.query('SELECT count(*) AS n FROM workshop_events WHERE id = ANY($1)', [acked])).rows[0].n),
    );
    expect(stored).toBe(acked.length);
    svc.kill('SIGTERM');
  }, 60_000);
});
