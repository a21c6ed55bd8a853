/**
 * The export's stream handling over real HTTP on loopback, with a fake store (no database): backpressure (no batch
 * is fetched before the client has taken the previous one), a stalled client cut off after the stall time, a client
 * that goes away destroying the store's stream, and a database failure before the first byte answered 503.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { unavailable } from '../../../src/errors.js';
import type { EventRow } from '../../../src/events/event-search-sql.js';
import { eventSearchRoutes } from '../../../src/events/event-search-routes.js';
import { createApp } from '../../../src/http/app.js';
import { noopHttpMetrics } from '../../../src/http/http-metrics.js';
import { createLogger } from '../../../src/logger.js';
import type { Server } from 'node:http';
import { Readable } from 'node:stream';

const TOKEN = 'unit-admin-token-0123456789';
const row = (i: number): EventRow => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  type: 'workshop_dashboard_accessed',
  category: 'activity',
  occurred_at: '2026-03-02T05:00:00.000000Z',
  created_at: '2026-03-02T05:00:01.000000Z',
  workshop_id: null,
  user_id: null,
  mechanic_id: null,
  admin_id: null,
  session_id: null,
  success: true,
  error_message: null,
  duration_ms: null,
  ip_address: null,
  user_agent: 'x'.repeat(2000),
  metadata: '{"a": 1}',
});

/**
 * A store whose export is a stream of `batches` chunks of 500 NDJSON rows, each made only when the stream is read,
 * recording how many were made and whether the stream was closed (ended or destroyed).
 */
function fakeStore(batches: number, failFirst = false) {
  const state = { fetched: 0, closed: false };
  return {
    state,
    store: {
      page: async () => ({ rows: [], more: false }),
      async export() {
        if (failFirst) throw unavailable('the database is unavailable; nothing was changed, retry later', 5);
        return new Readable({
          read() {
            if (state.fetched === batches) return void this.push(null);
            const rows = Array.from({ length: 500 }, (_, i) => `${JSON.stringify(row(state.fetched * 500 + i))}\n`);
            state.fetched++;
            this.push(Buffer.from(rows.join('')));
          },
          destroy(err, cb) {
            state.closed = true;
            cb(err);
          },
        });
      },
    },
  };
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function serve(store: ReturnType<typeof fakeStore>['store'], stallMs = 60_000): Promise<string> {
  const app = createApp([eventSearchRoutes({ store, adminTokens: [TOKEN], stallMs })], {
    log: createLogger('silent'),
    http: noopHttpMetrics,
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server!.once('listening', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/events`;
}

const get = (url: string, query: string, signal?: AbortSignal) =>
  fetch(`${url}?${query}`, { headers: { authorization: `Bearer ${TOKEN}` }, signal });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GET /api/events export streaming', () => {
  it('fetches a batch only once the client has taken the last: an unread response stops the store', async () => {
    const fake = fakeStore(1000); // 1000 × 500 rows of ~2 KiB: far more than any socket buffers
    const abort = new AbortController();
    const res = await get(await serve(fake.store), 'format=ndjson', abort.signal);
    expect(res.status).toBe(200);
    await sleep(300);
    const stalledAt = fake.state.fetched;
    await sleep(300);
    expect(fake.state.fetched).toBe(stalledAt);
    expect(stalledAt).toBeLessThan(50);
    abort.abort();
    for (let i = 0; i < 50 && !fake.state.closed; i++) await sleep(20);
    expect(fake.state.closed).toBe(true);
  });

  it('cuts off a client that takes nothing for the stall time, and closes the store', async () => {
    const fake = fakeStore(1000);
    const res = await get(await serve(fake.store, 200), 'format=csv');
    expect(res.status).toBe(200);
    for (let i = 0; i < 100 && !fake.state.closed; i++) await sleep(20);
    expect(fake.state.closed).toBe(true);
    await expect(res.text()).rejects.toThrow(); // the body ends cut short
  });

  it('streams every batch to a client that reads, and ends', async () => {
    const fake = fakeStore(5);
    const text = await (await get(await serve(fake.store), 'format=ndjson')).text();
    expect(text.split('\n')).toHaveLength(2501);
    expect(fake.state.closed).toBe(true);
  });

  it('answers 503 with Retry-After when the database fails before the first batch', async () => {
    const res = await get(await serve(fakeStore(1, true).store), 'format=csv');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  });
});
