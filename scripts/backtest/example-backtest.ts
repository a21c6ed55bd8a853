/**
 * docs/example-backtest.html: the alert backtest of the demo programme (scripts/demo) at its fixed anchor and
 * seed, so the same file every time. The demo's events go through the real ingest API of a service on a fresh
 * database; the backtest then reads that database (read-only) and evaluates every replayable alert over the
 * programme's last four weeks, with a what-if that lowers WorkshopApplicationStuck's threshold to 36 h.
 */
import path from 'node:path';
import pg from 'pg';
import { backtestCommand } from '../../src/backtest/backtest-command.js';
import { backtestHtml } from '../../src/backtest/backtest-html.js';
import { checkBacktestOptions } from '../../src/backtest/backtest-options.js';
import { demoProgramme } from '../demo/programme.js';
import { EXAMPLE_ANCHOR_MS, EXAMPLE_SEED } from '../report/example-report.js';

export const EXAMPLE_BACKTEST_FILE = 'docs/example-backtest.html';
/** The range: the four weeks before the anchor's day, at a 5-minute step. */
export const EXAMPLE_BACKTEST_ARGS = {
  from: '2026-10-23T00:00:00Z',
  to: '2026-11-20T00:00:00Z',
  step: '5m',
  set: ['WorkshopApplicationStuck.threshold=36h'],
} as const;

export interface ExampleBacktestService {
  url: string;
  ingestToken: string;
  /** The owner's URL of the service's database (the backtest reads it in a READ ONLY transaction). */
  databaseUrl: string;
}

export async function renderExampleBacktest(svc: ExampleBacktestService, inviteTtlDays = 7): Promise<string> {
  const { events } = demoProgramme(EXAMPLE_ANCHOR_MS, EXAMPLE_SEED);
  for (let i = 0; i < events.length; i += 500) {
    const res = await fetch(`${svc.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${svc.ingestToken}` },
      body: JSON.stringify({ events: events.slice(i, i + 500) }),
    });
    if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}: ${await res.text()}`);
  }
  const opts = checkBacktestOptions({ ...EXAMPLE_BACKTEST_ARGS, set: [...EXAMPLE_BACKTEST_ARGS.set] });
  const prepared = await backtestCommand.prepare(path.resolve(import.meta.dirname, '../..'), opts);
  const client = new pg.Client({ connectionString: svc.databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const run = await prepared.runRaw(client, inviteTtlDays);
    await client.query('ROLLBACK');
    return await backtestHtml(run, prepared.alertNames);
  } finally {
    await client.end();
  }
}
