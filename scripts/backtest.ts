/**
 * `npm run backtest -- --from RFC3339 --to RFC3339 [--alert NAME]... [--set NAME.KEY=VALUE]... [--step 1m]
 * [--format json|table|html]`: replays the stored event log (DATABASE_URL, or the embedded database in DATA_DIR)
 * through the project's alerting rules and prints when each alert would have fired (src/backtest/). It only
 * reads: one READ ONLY transaction, no migrations. Bad options, an unknown alert or a missing Prometheus exit 2.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BacktestError } from '../src/backtest/backtest-error.js';
import { BACKTEST_USAGE, checkBacktestOptions } from '../src/backtest/backtest-options.js';
import { backtestCommand } from '../src/backtest/backtest-command.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';

const root = path.resolve(import.meta.dirname, '..');

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

let raw;
try {
  raw = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      step: { type: 'string' },
      alert: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      format: { type: 'string' },
    },
  }).values;
} catch (err) {
  fail(`${BACKTEST_USAGE}\n  ${(err as Error).message}`);
}

try {
  const opts = checkBacktestOptions(raw);
  const config = loadConfig();
  // everything that can be refused without a database is checked before opening one
  const prepared = await backtestCommand.prepare(root, opts);
  const db = await openDatabase(config, () => {});
  try {
    const client = new pg.Client({ connectionString: config.databaseUrl ?? db.url });
    await client.connect();
    try {
      // one consistent, read-only snapshot of the log: nothing a backtest does can write
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const out = await prepared.run(client, config.inviteTtlDays, (m) => console.error(m));
      await client.query('ROLLBACK');
      process.stdout.write(out);
    } finally {
      await client.end();
    }
  } finally {
    await db.stop();
  }
} catch (err) {
  if (err instanceof BacktestError || err instanceof ConfigError) fail(err.message);
  throw err;
}
