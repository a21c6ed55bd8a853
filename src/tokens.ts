/**
 * Bearer tokens. INGEST_TOKENS / ADMIN_TOKENS / ALERT_WEBHOOK_TOKENS win; when unset, tokens are generated on first
 * start and kept in DATA_DIR/tokens.json (mode 0600, replaced atomically) so they survive restarts. METRICS_TOKENS
 * is never generated: unset, /metrics needs no token. A token may belong to one kind only.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, sharedTokenProblems, type Config } from './config.js';

export interface Tokens {
  ingest: readonly string[];
  admin: readonly string[];
  /** Alertmanager's token for POST /api/alerts/webhook. */
  alertWebhook: readonly string[];
  /** Prometheus' tokens for GET /metrics; empty: /metrics needs none. */
  metrics: readonly string[];
  /** Set when any token came from (or was written to) the tokens file. */
  file?: string;
}

const generate = () => randomBytes(24).toString('base64url');

/** Writes `text` to `file` atomically: a 0600 temp file in the same directory, fsynced, renamed over it. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.chmod(0o600); // whatever the umask
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // the rename itself is durable once the directory is synced
  const dir = await open(path.dirname(file), 'r');
  await dir.sync().finally(() => dir.close());
}

export async function resolveTokens(
  config: Pick<Config, 'ingestTokens' | 'adminTokens' | 'alertWebhookTokens' | 'dataDir'> &
    Partial<Pick<Config, 'metricsTokens'>>,
): Promise<Tokens> {
  const metrics = config.metricsTokens ?? [];
  if (config.ingestTokens.length && config.adminTokens.length && config.alertWebhookTokens.length) {
    return { ingest: config.ingestTokens, admin: config.adminTokens, alertWebhook: config.alertWebhookTokens, metrics };
  }
  const file = path.join(config.dataDir, 'tokens.json');
  let stored: { ingest?: string; admin?: string; alert_webhook?: string } = {};
  if (existsSync(file)) stored = JSON.parse(await readFile(file, 'utf8')) as typeof stored;
  const next = {
    ingest: stored.ingest ?? generate(),
    admin: stored.admin ?? generate(),
    alert_webhook: stored.alert_webhook ?? generate(),
  };
  const tokens: Tokens = {
    ingest: config.ingestTokens.length ? config.ingestTokens : [next.ingest],
    admin: config.adminTokens.length ? config.adminTokens : [next.admin],
    alertWebhook: config.alertWebhookTokens.length ? config.alertWebhookTokens : [next.alert_webhook],
    metrics,
    file,
  };
  // the environment's tokens were checked against each other by loadConfig; here against the file's
  const where = {
    INGEST_TOKENS: config.ingestTokens.length ? undefined : file,
    ADMIN_TOKENS: config.adminTokens.length ? undefined : file,
    ALERT_WEBHOOK_TOKENS: config.alertWebhookTokens.length ? undefined : file,
  };
  const problems = sharedTokenProblems(
    {
      INGEST_TOKENS: tokens.ingest,
      ADMIN_TOKENS: tokens.admin,
      ALERT_WEBHOOK_TOKENS: tokens.alertWebhook,
      METRICS_TOKENS: tokens.metrics,
    },
    where,
  );
  if (problems.length) throw new ConfigError(problems);
  if (next.ingest !== stored.ingest || next.admin !== stored.admin || next.alert_webhook !== stored.alert_webhook) {
    await mkdir(config.dataDir, { recursive: true, mode: 0o755 });
    await writeFileAtomic(file, JSON.stringify(next, null, 2) + '\n');
  }
  await chmod(file, 0o600);
  return tokens;
}
