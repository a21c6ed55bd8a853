/**
 * The export against a real PostgreSQL, in process with a short stall time: a client that stops reading is cut off
 * after the stall time and its COPY ends (the connection dropped, the transaction gone from pg_stat_activity), and
 * the pool serves on. The statement_timeout of the pool (here 1 s) does not cut a COPY that is only slow to be read.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.js';
import { EventSearchStore } from '../../src/events/event-search-store.js';
import { eventSearchRoutes } from '../../src/events/event-search-routes.js';
import { createApp } from '../../src/http/app.js';
import { noopHttpMetrics } from '../../src/http/http-metrics.js';
import { createLogger } from '../../src/logger.js';
import { loadEvents } from '../support/bulk-events.js';
import { asAppRole, createTestDatabase, withClient } from '../support/database.js';
import { uuid } from '../support/events.js';

const TOKEN = 'stall-admin-token-0123456789';
let dbUrl: string;
let pool: ReturnType<typeof createPool>;
let server: Server;
let url: string;

beforeAll(async () => {
  dbUrl = await createTestDatabase();
  await loadEvents(dbUrl, {
    total: 100_000,
    fromMs: Date.parse('2026-01-01T00:00:00Z'),
    stepMs: 8_000,
    workshops: [uuid()],
  });
  pool = createPool(asAppRole(dbUrl), 4, () => {}, { statementTimeoutMs: 1_000 });
  const app = createApp(
    [eventSearchRoutes({ store: new EventSearchStore(pool), adminTokens: [TOKEN], stallMs: 1_500 })],
    {
      log: createLogger('silent'),
      http: noopHttpMetrics,
    },
  );
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`;
}, 120_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await pool?.end();
});

const copies = () =>
  withClient(dbUrl, async (c) => {
    const r = await c.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
         AND (query LIKE 'COPY%' OR state LIKE 'idle in transaction%')`,
    );
    return r.rows[0].n as number;
  });

it('a client that stops reading is cut off after the stall time, and its COPY ends', async () => {
  const res = await fetch(`${url}?format=ndjson`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  await reader.read(); // started, then not read: backpressure holds the COPY
  await new Promise((r) => setTimeout(r, 500));
  expect(await copies()).toBe(1);
  await new Promise((r) => setTimeout(r, 3_000)); // past the 1.5 s stall time and the 1 s statement_timeout
  let n = await copies();
  for (let i = 0; n > 0 && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    n = await copies();
  }
  expect(n).toBe(0);
  await expect(
    (async () => {
      for (;;) if ((await reader.read()).done) return;
    })(),
  ).rejects.toThrow(); // the body was cut short
  // the pool serves on, and a client that reads slowly gets every event: the COPY outlives the 1 s statement_timeout
  const slow = await fetch(`${url}?format=csv`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = slow.body!.getReader();
  let lines = 0;
  for (let chunks = 0; ; chunks++) {
    const { done, value } = await body.read();
    if (done) break;
    for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) lines++;
    if (chunks === 0) await new Promise((r) => setTimeout(r, 1_200)); // under the stall time
  }
  expect(lines).toBe(100_000 + 1);
}, 60_000);
