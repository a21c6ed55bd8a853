/**
 * `npm run generate:backtest` (also run by `npm run generate`): writes docs/example-backtest.html. It starts the
 * service on a throwaway embedded PostgreSQL (a temporary DATA_DIR, removed after), stores the demo programme
 * through its ingest API and runs the backtest on it (scripts/backtest/example-backtest.ts).
 * test/integration/example-backtest.test.ts fails when the committed file is stale.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';
import { EXAMPLE_BACKTEST_FILE, renderExampleBacktest } from './backtest/example-backtest.js';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'wa-example-backtest-'));
const ingestToken = 'example-backtest-ingest-token';
try {
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    INGEST_TOKENS: ingestToken,
    ADMIN_TOKENS: 'example-backtest-admin-token',
    ALERT_WEBHOOK_TOKENS: 'example-backtest-webhook-token',
    AGGREGATOR_MODE: 'off',
    LOG_LEVEL: 'error',
  });
  const svc = await startService(config, { log: createLogger(config.logLevel), schedule: false });
  try {
    const html = await renderExampleBacktest({ url: svc.url, ingestToken, databaseUrl: svc.databaseUrl });
    await writeFile(path.join(root, EXAMPLE_BACKTEST_FILE), html);
    console.log(`wrote ${EXAMPLE_BACKTEST_FILE}`);
  } finally {
    await svc.stop();
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
