/**
 * `npm run generate:report` (also run by `npm run generate`): writes docs/example-report.html. It needs a
 * database, so it starts the service on a throwaway embedded PostgreSQL (a temporary DATA_DIR, removed after),
 * loads the demo programme at its fixed anchor and asks the report API. test/integration/example-report.test.ts
 * fails when the committed file is stale.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';
import { EXAMPLE_ENV, EXAMPLE_REPORT_FILE, renderExampleReport } from './report/example-report.js';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'wa-example-report-'));
const [ingestToken, adminToken] = ['example-report-ingest-token', 'example-report-admin-token'];
try {
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    INGEST_TOKENS: ingestToken,
    ADMIN_TOKENS: adminToken,
    ALERT_WEBHOOK_TOKENS: 'example-report-webhook-token',
    ...EXAMPLE_ENV,
    AGGREGATOR_MODE: 'off',
    LOG_LEVEL: 'error',
  });
  const svc = await startService(config, { log: createLogger(config.logLevel), schedule: false });
  try {
    const html = await renderExampleReport({ url: svc.url, ingestToken, adminToken });
    await writeFile(path.join(root, EXAMPLE_REPORT_FILE), html);
    console.log(`wrote ${EXAMPLE_REPORT_FILE}`);
  } finally {
    await svc.stop();
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
