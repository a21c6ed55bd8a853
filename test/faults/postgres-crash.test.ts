/**
 * PostgreSQL crashes under client-SDK load: a dedicated embedded PostgreSQL's postmaster is SIGKILLed and started
 * again on the same data directory and port. Every event the SDK took is stored exactly once, it dropped none,
 * and /readyz is 200 again within 10 s of the restart.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ensureDatabase,
  freePort,
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
} from '../../src/db/embedded-postgres.js';
import { migrate } from '../../src/db/migrate.js';
import { startSdkLoad, storedOnce, until200 } from '../support/sdk-load.js';
import { INGEST_TOKEN } from '../support/service.js';
import { killAll, spawnService } from '../support/service-process.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-pg-crash-'));
let restarted: EmbeddedPostgresHandle | undefined;

afterAll(async () => {
  killAll();
  await restarted?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('when PostgreSQL is SIGKILLed under client-SDK load and restarted', () => {
  it('then every acknowledged event is stored once, the SDK drops none, and /readyz recovers within 10 s', async () => {
    const port = await freePort();
    const pg = await startEmbeddedPostgres(dir, { port });
    const dbUrl = await ensureDatabase(pg.url, 'wa_crash');
    await migrate(dbUrl);
    const svc = await spawnService({
      DATABASE_URL: dbUrl,
      INGEST_TOKENS: INGEST_TOKEN,
      DATA_DIR: mkdtempSync(path.join(dir, 'service-')),
      LOG_LEVEL: 'fatal',
    });
    const load = startSdkLoad(svc.url, INGEST_TOKEN);
    await sleep(2_000);
    const postmaster = Number(readFileSync(path.join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const trackedBeforeCrash = load.ids.length;
    process.kill(postmaster, 'SIGKILL');
    await sleep(2_000);
    const readyDuringOutage = (await fetch(`${svc.url}/readyz`)).status;
    restarted = await startEmbeddedPostgres(dir, { port });
    const recoveryMs = await until200(`${svc.url}/readyz`);
    await sleep(2_000);
    const stats = await load.finish();
    const { stored, maxPerId } = await storedOnce(dbUrl, load.ids);
    console.log(
      `postgres crash: tracked ${load.ids.length} (${trackedBeforeCrash} before the kill), acknowledged ` +
        `${stats.sent + stats.duplicates} (sent ${stats.sent}, duplicates ${stats.duplicates}, retries ` +
        `${stats.retries}), stored ${stored}, dropped ${stats.dropped}; /readyz 200 ${recoveryMs.toFixed(0)} ms ` +
        `after the restart`,
    );
    expect(readyDuringOutage).toBe(503);
    expect(stats.dropped).toBe(0);
    expect(stats.sent + stats.duplicates).toBe(load.ids.length);
    expect(stored).toBe(load.ids.length);
    expect(maxPerId).toBe(1);
    expect(recoveryMs).toBeLessThan(10_000);
  }, 60_000);
});
