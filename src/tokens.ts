/**
 * Bearer tokens. INGEST_TOKENS / ADMIN_TOKENS win; when unset, tokens are generated on first start and kept
 * in DATA_DIR/tokens.json (mode 0600) so they survive restarts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.js';

export interface Tokens {
  ingest: readonly string[];
  admin: readonly string[];
  /** Alertmanager's token for POST /api/alerts/webhook. */
  alertWebhook: readonly string[];
  /** Set when any token came from (or was written to) the tokens file. */
  file?: string;
}

const generate = () => randomBytes(24).toString('base64url');

export async function resolveTokens(
  config: Pick<Config, 'ingestTokens' | 'adminTokens' | 'alertWebhookTokens' | 'dataDir'>,
): Promise<Tokens> {
  if (config.ingestTokens.length && config.adminTokens.length && config.alertWebhookTokens.length) {
    return { ingest: config.ingestTokens, admin: config.adminTokens, alertWebhook: config.alertWebhookTokens };
  }
  const file = path.join(config.dataDir, 'tokens.json');
  let stored: { ingest?: string; admin?: string; alert_webhook?: string } = {};
  if (existsSync(file)) stored = JSON.parse(await readFile(file, 'utf8')) as typeof stored;
  const next = {
    ingest: stored.ingest ?? generate(),
    admin: stored.admin ?? generate(),
    alert_webhook: stored.alert_webhook ?? generate(),
  };
  if (next.ingest !== stored.ingest || next.admin !== stored.admin || next.alert_webhook !== stored.alert_webhook) {
    await mkdir(config.dataDir, { recursive: true, mode: 0o755 });
    await writeFile(file, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  }
  await chmod(file, 0o600);
  return {
    ingest: config.ingestTokens.length ? config.ingestTokens : [next.ingest],
    admin: config.adminTokens.length ? config.adminTokens : [next.admin],
    alertWebhook: config.alertWebhookTokens.length ? config.alertWebhookTokens : [next.alert_webhook],
    file,
  };
}
