import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkshopTracker } from '@theautodoctor/workshop-analytics-client';
import { createTestDatabase, withClient } from '../support/database.js';
import { ev } from '../support/events.js';
import { ADMIN_TOKEN, INGEST_TOKEN, postEvents, startTestService } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('when PostgreSQL becomes unreachable', () => {
  let proxy: TcpProxy;
  let dbUrl: string;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  const stored = (ids: string[]) =>
    withClient(dbUrl, async (c) =>
      Number((await c.query('SELECT count(*) AS n FROM workshop_events WHERE id = ANY($1)', [ids])).rows[0].n),
    );

  beforeAll(async () => {
    dbUrl = await createTestDatabase();
    proxy = await new TcpProxy(Number(new URL(dbUrl).port)).start();
    svc = await startTestService({}, proxy.rewrite(dbUrl));
  });
  afterAll(async () => {
    await proxy.restore().catch(() => {});
    await svc?.stop();
    await proxy?.stop();
  });

  it('then ingest answers 503 with Retry-After, stores nothing, /readyz is 503; and recovers when it is back', async () => {
    await proxy.cut();
    const e = ev('workshop_signup_started', { session_id: 's' });
    const res = await postEvents(svc.url, e);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.json.error).toMatchObject({ code: 'database_unavailable' });
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    await proxy.restore();
    expect(await stored([e.id as string])).toBe(0);
    const again = await postEvents(svc.url, e);
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ accepted: 1, duplicates: 0 });
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
  });

  it('then the database probe exports workshop_database_up 0 and a gauge refresh is no success; both recover', async () => {
    const metric = async (name: string, labels = '') => {
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      const m = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\S+)$`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    const REFRESH = [
      'workshop_aggregator_job_last_success_timestamp_seconds',
      'aggregator_job="gauge_refresh"',
    ] as const;
    expect(await svc.aggregator.databaseProbe.probe()).toBe(true);
    expect(await svc.aggregator.refresher.refresh()).toBe(true);
    expect(await metric('workshop_database_up')).toBe(1);
    const lastSuccess = await metric(...REFRESH);
    expect(lastSuccess).toBeGreaterThan(0);
    await proxy.cut();
    try {
      expect(await svc.aggregator.databaseProbe.probe()).toBe(false);
      expect(await svc.aggregator.refresher.refresh()).toBe(false);
      expect(await metric('workshop_database_up')).toBe(0);
      expect(await metric(...REFRESH)).toBe(lastSuccess);
    } finally {
      await proxy.restore();
    }
    expect(await svc.aggregator.databaseProbe.probe()).toBe(true);
    expect(await metric('workshop_database_up')).toBe(1);
  }, 30_000);

  it('then the client SDK delivers everything through the 503s, each event exactly once', async () => {
    const tracker = createWorkshopTracker({
      url: svc.url,
      token: INGEST_TOKEN,
      maxBatchSize: 50,
      flushIntervalMs: 20,
      initialBackoffMs: 20,
      maxBackoffMs: 200,
      maxRetries: Infinity,
    });
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const id = randomUUID();
      ids.push(id);
      expect(tracker.track({ id, type: 'workshop_signup_started', session_id: `s-${i}` })).toBe(true);
    }
    await tracker.flush();
    await proxy.cut();
    for (let i = 0; i < 200; i++) {
      const id = randomUUID();
      ids.push(id);
      tracker.track({ id, type: 'workshop_signup_step_1', session_id: `s-${i}` });
    }
    await new Promise((r) => setTimeout(r, 600));
    const during = tracker.stats();
    expect(during.retries).toBeGreaterThan(0);
    await proxy.restore();
    await tracker.flush();
    const stats = await tracker.shutdown({ timeoutMs: 5_000 });
    expect(stats.dropped).toBe(0);
    expect(stats.sent + stats.duplicates).toBe(300);
    expect(await stored(ids)).toBe(300);
    const perId = await withClient(
      dbUrl,
      async (c) =>
        (
          await c.query(
            'SELECT max(n)::int AS m FROM (SELECT count(*) AS n FROM workshop_events WHERE id = ANY($1) GROUP BY id) x',
            [ids],
          )
        ).rows[0].m,
    );
    expect(perId).toBe(1);
  });
});

describe('when the service gets SIGTERM under load', () => {
  it('then every event it acknowledged is stored, and it exits 0', async () => {
    const dbUrl = await createTestDatabase();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: '0',
        DATABASE_URL: dbUrl,
        INGEST_TOKENS: INGEST_TOKEN,
        ADMIN_TOKENS: ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
        DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wa-sigterm-')),
        // the full service runs its cron schedule: no KPI or check job (on the hour, at 01:00, ...) may
        // fire into this test; live gauges still refresh every minute, as in every mode
        AGGREGATOR_MODE: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`service did not start: ${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    const acked: string[] = [];
    let refused = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const batch = Array.from({ length: 20 }, () =>
          ev('workshop_dashboard_accessed', { workshop_id: randomUUID() }),
        );
        try {
          const r = await postEvents(url, { events: batch });
          if (r.status === 202) acked.push(...batch.map((b) => b.id as string));
          else if (r.status !== 503) throw new Error(`unexpected ${r.status}: ${r.text}`);
        } catch (err) {
          if ((err as Error).message.startsWith('unexpected')) throw err;
          refused++; // connection refused or reset once the server stopped accepting
          if (refused > 50) return;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    await new Promise((r) => setTimeout(r, 800));
    const ackedBeforeSignal = acked.length;
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    stop = true;
    await Promise.all(workers);
    expect(ackedBeforeSignal).toBeGreaterThan(0);
    expect(code).toBe(0);
    const storedCount = await withClient(dbUrl, async (c) =>
      Number((await c.query('SELECT count(*) AS n FROM workshop_events WHERE id = ANY($1)', [acked])).rows[0].n),
    );
    expect(storedCount).toBe(acked.length);
  }, 60_000);
});
