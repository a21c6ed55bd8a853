/**
 * `npm run demo [-- --url http://127.0.0.1:3000 --seed 20260315]`: loads six weeks of a workshop programme,
 * ending now, into a RUNNING service over HTTP, backfills the KPIs over that range and runs the hourly checks.
 *
 * Settings (flags win over the environment):
 *   --url / SERVICE_URL      default http://127.0.0.1:3000
 *   --seed / DEMO_SEED       default 20260315
 *   INGEST_TOKEN, ADMIN_TOKEN
 *     unset: read from DATA_DIR/tokens.json (default ./.data, what `npm start` generates), else from
 *     secrets/ingest-tokens and secrets/admin-tokens (the docker compose stack; first token of each)
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DemoLoadError, formatSummary, loadDemo } from './demo/load.js';

function firstToken(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8')
    .split(',')
    .map((t) => t.trim())
    .find(Boolean);
}

function tokens(env: NodeJS.ProcessEnv): { ingest: string; admin: string; from: string } {
  let ingest = env.INGEST_TOKEN?.trim() || undefined;
  let admin = env.ADMIN_TOKEN?.trim() || undefined;
  let from = 'INGEST_TOKEN / ADMIN_TOKEN';
  const tokensJson = path.resolve(env.DATA_DIR || './.data', 'tokens.json');
  if ((!ingest || !admin) && existsSync(tokensJson)) {
    const stored = JSON.parse(readFileSync(tokensJson, 'utf8')) as { ingest?: string; admin?: string };
    ingest ??= stored.ingest;
    admin ??= stored.admin;
    from = tokensJson;
  }
  if (!ingest || !admin) {
    ingest ??= firstToken(path.resolve('secrets/ingest-tokens'));
    admin ??= firstToken(path.resolve('secrets/admin-tokens'));
    from = 'secrets/ingest-tokens, secrets/admin-tokens';
  }
  if (!ingest || !admin) {
    console.error(
      'demo: no tokens. Set INGEST_TOKEN and ADMIN_TOKEN, or run where DATA_DIR/tokens.json or secrets/*-tokens exist.',
    );
    process.exit(2);
  }
  return { ingest, admin, from };
}

const { values } = parseArgs({
  options: { url: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log(
    'usage: npm run demo [-- --url URL --seed N]   (env: SERVICE_URL, DEMO_SEED, INGEST_TOKEN, ADMIN_TOKEN, DATA_DIR)',
  );
  process.exit(0);
}
const serviceUrl = values.url ?? process.env.SERVICE_URL ?? 'http://127.0.0.1:3000';
const seed = Number(values.seed ?? process.env.DEMO_SEED ?? 20260315);
if (!Number.isInteger(seed)) {
  console.error('demo: --seed must be an integer');
  process.exit(2);
}
const t = tokens(process.env);
console.log(`loading the demo programme into ${serviceUrl} (seed ${seed}, tokens from ${t.from})`);
try {
  const summary = await loadDemo({
    serviceUrl,
    ingestToken: t.ingest,
    adminToken: t.admin,
    seed,
    log: (l) => console.log(`  ${l}`),
  });
  console.log(formatSummary(summary));
  if (summary.events.accepted === 0 && summary.events.duplicates > 0)
    console.log('(everything was already there: this programme had been loaded before)');
} catch (err) {
  console.error(err instanceof DemoLoadError ? `demo: ${err.message}` : err);
  process.exit(1);
}
