/**
 * The database turns read-only (as a primary demoted by a failover: SQLSTATE 25006), then writable again. Ingest
 * answers 503 database_unavailable with Retry-After — nothing stored — and recovers without a restart: the pool's
 * connections, which stay read-only, are dropped and replaced. The client SDK delivers everything meanwhile.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, withClient } from '../support/database.js';
import { ev, uuid } from '../support/events.js';
import { startSdkLoad, storedOnce } from '../support/sdk-load.js';
import { INGEST_TOKEN, postEvents } from '../support/service.js';
import { killAll, spawnService } from '../support/service-process.js';

afterAll(killAll);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('when the database becomes read-only and then writable again', () => {
  it('then ingest answers 503 with Retry-After, stores nothing, and takes events again within seconds, no restart', async () => {
    const dbUrl = await createTestDatabase();
    const name = new URL(dbUrl).pathname.slice(1);
    const admin = (sql: string) => withClient(inject('pgAdminUrl'), (c) => c.query(sql.replaceAll('$db', `"${name}"`)));
    const svc = await spawnService({
      DATABASE_URL: dbUrl,
      INGEST_TOKENS: INGEST_TOKEN,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wa-read-only-')),
      LOG_LEVEL: 'fatal',
    });
    const event = () => ev('workshop_dashboard_accessed', { workshop_id: uuid() });
    expect((await postEvents(svc.url, event())).status).toBe(202);
    const load = startSdkLoad(svc.url, INGEST_TOKEN, 5, 100);

    // read-only for every new session; the pool's sessions are ended so it reconnects into read-only ones
    await admin('ALTER DATABASE $db SET default_transaction_read_only = on');
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
    await sleep(300);
    const refused = [event(), event(), event(), event(), event()];
    for (const e of refused) {
      const res = await postEvents(svc.url, e);
      expect(res.status, res.text).toBe(503);
      expect(res.json.error).toMatchObject({ code: 'database_unavailable' });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(svc.output()).not.toMatch(/"level":50.*25006/); // classified, not logged as a write defect

    // writable again for new sessions; the pool's open sessions stay read-only until replaced
    await admin('ALTER DATABASE $db RESET default_transaction_read_only');
    const writableAt = performance.now();
    let recoveredMs: number | undefined;
    while (performance.now() - writableAt < 5_000) {
      if ((await postEvents(svc.url, event())).status === 202) {
        recoveredMs = performance.now() - writableAt;
        break;
      }
      await sleep(100);
    }
    expect(recoveredMs, 'a 202 within 5 s').toBeDefined();
    expect(
      (
        await storedOnce(
          dbUrl,
          refused.map((e) => e.id as string),
        )
      ).stored,
    ).toBe(0);
    for (const e of refused) expect((await postEvents(svc.url, e)).json).toEqual({ accepted: 1, duplicates: 0 });

    const stats = await load.finish();
    const { stored, maxPerId } = await storedOnce(dbUrl, load.ids);
    console.log(
      `read-only: first 202 ${recoveredMs!.toFixed(0)} ms after writable; SDK tracked ${load.ids.length}, ` +
        `acknowledged ${stats.sent + stats.duplicates}, retries ${stats.retries}, stored ${stored}, dropped ${stats.dropped}`,
    );
    expect(stats.dropped).toBe(0);
    expect(stored).toBe(load.ids.length);
    expect(maxPerId).toBe(1);
  }, 60_000);
});
