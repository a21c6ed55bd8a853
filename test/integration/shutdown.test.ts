/**
 * SIGTERM, as a load balancer sees it: /readyz turns 503 at once while requests are still served for
 * SHUTDOWN_DELAY_SECONDS, then the drain starts; a request that never finishes cannot hold the stop past its
 * time limit (25 s in all).
 */
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { ev, uuid } from '../support/events.js';
import { INGEST_TOKEN, postEvents } from '../support/service.js';
import { killAll, spawnService } from '../support/service-process.js';

afterAll(killAll);

/** A POST /v1/events that sends its headers and 10 bytes of its body, then nothing more. */
function stalledUpload(url: string): void {
  const req = http.request(new URL('/v1/events', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}`, 'content-length': 1000 },
  });
  req.on('error', () => {}); // reset when the stop closes its connection
  req.write('{"events":');
}

const readyz = async (url: string) => {
  try {
    return (await fetch(`${url}/readyz`)).status;
  } catch {
    return 'refused';
  }
};

describe('when the service gets SIGTERM while slow requests are in flight', () => {
  it('then /readyz answers 503 before the drain, events are still taken meanwhile, and it exits within the limit', async () => {
    const svc = await spawnService({
      DATABASE_URL: await createTestDatabase(),
      INGEST_TOKENS: INGEST_TOKEN,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wa-shutdown-')),
      SHUTDOWN_DELAY_SECONDS: '2',
    });
    expect(await readyz(svc.url)).toBe(200);
    for (let i = 0; i < 3; i++) stalledUpload(svc.url);
    await new Promise((r) => setTimeout(r, 200));

    const signalled = performance.now();
    svc.kill('SIGTERM');
    const seen: Array<number | string> = [];
    while (performance.now() - signalled < 1_000) {
      const s = await readyz(svc.url);
      seen.push(s);
      if (s === 503) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const notReadyAfterMs = performance.now() - signalled;
    expect(seen.at(-1)).toBe(503);
    expect(seen).not.toContain('refused'); // still accepting: the drain has not started
    const during = await postEvents(svc.url, ev('workshop_dashboard_accessed', { workshop_id: uuid() }));
    expect(during.status).toBe(202);

    const [code] = await svc.exited;
    const stoppedAfterMs = performance.now() - signalled;
    console.log(
      `SIGTERM: /readyz 503 after ${notReadyAfterMs.toFixed(0)} ms; exit ${code} after ${stoppedAfterMs.toFixed(0)} ms`,
    );
    expect(code).toBe(0);
    expect(stoppedAfterMs).toBeLessThan(26_000);
    expect(svc.output()).toMatch(/shutdown: http drain cut short/);
  }, 60_000);
});
