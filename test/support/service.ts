/** Starts the real service in-process on a free port against a fresh test database. */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService, type Service, type StartOptions } from '../../src/service.js';
import { asAppRole, createTestDatabase } from './database.js';

export const INGEST_TOKEN = 'test-ingest-token-0123456789';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const WEBHOOK_TOKEN = 'test-webhook-token-0123456789';

/**
 * Starts the service with its cron schedule off unless `opts.schedule` (tests call jobs directly). Like a
 * deployment with two roles: it migrates with `databaseUrl` (the admin, which owns the schema; `svc.databaseUrl`)
 * and its pool connects as workshop_app to the same database.
 */
export async function startTestService(
  env: Record<string, string> = {},
  databaseUrl?: string,
  opts: Pick<StartOptions, 'schedule' | 'ownerMail'> = {},
): Promise<Service & { config: Config }> {
  const url = databaseUrl ?? (await createTestDatabase());
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: asAppRole(url),
    DATABASE_MIGRATION_URL: url,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wa-test-data-')),
    INGEST_TOKENS: INGEST_TOKEN,
    ADMIN_TOKENS: ADMIN_TOKEN,
    ALERT_WEBHOOK_TOKENS: WEBHOOK_TOKEN,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const service = await startService(config, {
    log: createLogger(config.logLevel),
    ...opts,
    schedule: opts.schedule ?? false,
  });
  return Object.assign(service, { config });
}

export async function postEvents(
  base: string,
  body: unknown,
  token = INGEST_TOKEN,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json: json as Record<string, unknown>, text };
}
