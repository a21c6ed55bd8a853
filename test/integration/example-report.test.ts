/**
 * docs/example-report.html is what `npm run generate:report` writes: the demo programme at its fixed anchor and
 * seed, loaded into a service on a fresh database, and GET /api/reports/kpi's answer. A stale file fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXAMPLE_ENV, EXAMPLE_REPORT_FILE, renderExampleReport } from '../../scripts/report/example-report.js';
import { ADMIN_TOKEN, INGEST_TOKEN, startTestService } from '../support/service.js';

let svc: Awaited<ReturnType<typeof startTestService>>;
beforeAll(async () => {
  svc = await startTestService({ ...EXAMPLE_ENV, AGGREGATOR_MODE: 'off' });
}, 60_000);
afterAll(async () => svc?.stop());

it('docs/example-report.html is up to date (npm run generate:report)', async () => {
  const html = await renderExampleReport({ url: svc.url, ingestToken: INGEST_TOKEN, adminToken: ADMIN_TOKEN });
  const committed = readFileSync(path.resolve(import.meta.dirname, '../..', EXAMPLE_REPORT_FILE), 'utf8');
  expect(html === committed, `${EXAMPLE_REPORT_FILE} is stale: run npm run generate:report`).toBe(true);
}, 120_000);
