/**
 * A rolling restart of the ingest replicas behind HAProxy, under client-SDK load: each replica in turn is sent
 * SIGTERM (it answers /readyz 503, HAProxy's health check takes it out, it drains and exits 0) and started again on
 * its port; the next one goes only once HAProxy sends the restarted one events again. Every event the SDK took is
 * stored exactly once (its ids against the rows) and the SDK dropped none.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { startSdkLoad, storedOnce, until200 } from '../support/sdk-load.js';
import { INGEST_TOKEN } from '../support/service.js';
import { killAll } from '../support/service-process.js';
import { startHaproxy } from './support/haproxy.js';
import { sumOf } from './support/exposition.js';
import { startReplica, type Replica } from './support/replicas.js';
import type { Proc } from '../e2e/support/stack.js';

afterAll(killAll);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Events this replica process has stored since it started (its own counter). */
const storedBy = async (r: Replica) => sumOf(await (await fetch(`${r.url}/metrics`)).text(), 'workshop_events_total');

describe('when the ingest replicas behind HAProxy are restarted one at a time under client-SDK load', () => {
  let replicas: Replica[] = [];
  let lb: Proc | undefined;
  afterAll(async () => {
    await lb?.stop();
    await Promise.all(replicas.map((r) => r.stop()));
  });

  it('then no acknowledged event is lost, none is stored twice, and the SDK drops none', async () => {
    const dbUrl = await createTestDatabase();
    replicas = await Promise.all([startReplica('ingest', dbUrl), startReplica('ingest', dbUrl)]);
    lb = await startHaproxy(replicas.map((r) => r.port));
    await until200(`${lb.url}/readyz`);
    const load = startSdkLoad(lb.url, INGEST_TOKEN);
    await sleep(2_000);
    const restarts: string[] = [];
    for (const r of replicas) {
      const tracked = load.ids.length;
      const t0 = performance.now();
      expect(await r.stop(), r.process.output()).toBe(0); // a clean drain
      await r.start();
      // back in HAProxy's rotation: the new process stores events it was sent through the load balancer
      while ((await storedBy(r)) === 0) {
        expect(performance.now() - t0, 'the restarted replica gets traffic again').toBeLessThan(30_000);
        await sleep(200);
      }
      restarts.push(
        `${((performance.now() - t0) / 1000).toFixed(1)} s (${load.ids.length - tracked} tracked meanwhile)`,
      );
    }
    await sleep(1_000);
    const stats = await load.finish();
    const { stored, maxPerId } = await storedOnce(dbUrl, load.ids);
    console.log(
      `rolling restart: restarts ${restarts.join(', ')}; tracked ${load.ids.length}, acknowledged ` +
        `${stats.sent + stats.duplicates} (sent ${stats.sent}, duplicates ${stats.duplicates}, retries ` +
        `${stats.retries}), stored ${stored}, dropped ${stats.dropped}`,
    );
    expect(stats.dropped).toBe(0);
    expect(stats.sent + stats.duplicates).toBe(load.ids.length);
    expect(stored).toBe(load.ids.length);
    expect(maxPerId).toBe(1);
  }, 150_000);
});
