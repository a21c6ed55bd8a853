/**
 * docs/example-backtest.html is what `npm run generate:backtest` writes: the demo programme at its fixed anchor
 * and seed, stored through the ingest API of a service on a fresh database, and backtested (real promtool and
 * prometheus). A stale file fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXAMPLE_BACKTEST_FILE, renderExampleBacktest } from '../../scripts/backtest/example-backtest.js';
import { INGEST_TOKEN, startTestService } from '../support/service.js';

let svc: Awaited<ReturnType<typeof startTestService>>;
beforeAll(async () => {
  svc = await startTestService({ AGGREGATOR_MODE: 'off' });
}, 60_000);
afterAll(async () => svc?.stop());

it('docs/example-backtest.html is up to date (npm run generate:backtest)', async () => {
  const html = await renderExampleBacktest({ url: svc.url, ingestToken: INGEST_TOKEN, databaseUrl: svc.databaseUrl });
  const committed = readFileSync(path.resolve(import.meta.dirname, '../..', EXAMPLE_BACKTEST_FILE), 'utf8');
  expect(html === committed, `${EXAMPLE_BACKTEST_FILE} is stale: run npm run generate:backtest`).toBe(true);
  // it shows what it is for: the what-if reports more stuck applications than the baseline
  expect(html).toContain('WorkshopApplicationStuck');
}, 300_000);
