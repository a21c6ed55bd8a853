/**
 * The service crashes under client-SDK load: its process is SIGKILLed mid-stream and started again on the same
 * port. Everything the SDK took is stored exactly once (a request cut off after its commit is retried and
 * deduplicated) and it dropped none.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded-postgres.js';
import { createTestDatabase } from '../support/database.js';
import { startSdkLoad, storedOnce } from '../support/sdk-load.js';
import { INGEST_TOKEN } from '../support/service.js';
import { killAll, spawnService } from '../support/service-process.js';

afterAll(killAll);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('when the service is SIGKILLed under client-SDK load and restarted', () => {
  it('then every acknowledged event is stored once and the SDK drops none', async () => {
    const dbUrl = await createTestDatabase();
    const port = String(await freePort());
    const env = {
      PORT: port,
      DATABASE_URL: dbUrl,
      INGEST_TOKENS: INGEST_TOKEN,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wa-svc-crash-')),
    };
    const first = await spawnService(env);
    const load = startSdkLoad(first.url, INGEST_TOKEN);
    await sleep(2_000);
    const killedAt = performance.now();
    process.kill(-first.pid, 'SIGKILL');
    await first.exited;
    await sleep(1_000);
    const second = await spawnService(env);
    const restartMs = performance.now() - killedAt;
    expect(second.url).toBe(first.url);
    await sleep(3_000);
    const stats = await load.finish();
    const { stored, maxPerId } = await storedOnce(dbUrl, load.ids);
    console.log(
      `service crash: tracked ${load.ids.length}, acknowledged ${stats.sent + stats.duplicates} (sent ` +
        `${stats.sent}, duplicates ${stats.duplicates}, retries ${stats.retries}), stored ${stored}, dropped ` +
        `${stats.dropped}; listening again ${restartMs.toFixed(0)} ms after the kill`,
    );
    expect(stats.dropped).toBe(0);
    expect(stats.sent + stats.duplicates).toBe(load.ids.length);
    expect(stored).toBe(load.ids.length);
    expect(maxPerId).toBe(1);
  }, 60_000);
});
