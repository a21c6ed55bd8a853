import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { it } from 'vitest';
import { loadEvents } from '../support/bulk-events.js';
import { createTestDatabase } from '../support/database.js';
import { uuid } from '../support/events.js';
import { killAll, spawnService } from '../support/service-process.js';
import { ADMIN_TOKEN, INGEST_TOKEN } from '../support/service.js';

it('scratch', async () => {
  const db = await createTestDatabase();
  const ws = Array.from({ length: 200 }, () => uuid());
  let t = performance.now();
  await loadEvents(db, { total: 100_000, fromMs: Date.parse('2026-01-01T00:00:00Z'), stepMs: 80000, workshops: ws });
  console.log('load', (performance.now() - t) / 1000);
  const svc = await spawnService({ DATABASE_URL: db, INGEST_TOKENS: INGEST_TOKEN, ADMIN_TOKENS: ADMIN_TOKEN, DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wa-x-')) });
  try {
    for (const q of ['format=ndjson&to=2026-01-02T00:00:00Z', 'format=ndjson']) {
      t = performance.now();
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 20000);
      try {
        const res = await fetch(`${svc.url}/api/events?${q}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: ac.signal });
        console.log(q, 'status', res.status, (performance.now() - t).toFixed(0));
        const text = await res.text();
        console.log(q, 'len', text.length, (performance.now() - t).toFixed(0));
      } catch (e) {
        console.log(q, 'error', e, svc.output().slice(-3000));
      } finally { clearTimeout(timer); }
    }
  } finally {
    svc.kill('SIGKILL');
    killAll();
  }
}, 300_000);
