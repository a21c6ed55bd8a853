/**
 * `npm run backtest` as a process: bad input is refused with exit 2 and a message naming the problem (before
 * anything is read), a missing Prometheus names the install hint, and a real run answers its table and leaves the
 * database exactly as it was.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeEvents, type LogEvent } from '../support/backtest-scenario.js';
import { createTestDatabase } from '../support/database.js';
import { prng } from '../support/scenario.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const HOUR = 3_600_000;
const START = Date.parse('2026-04-06T00:00:00Z');
let url: string;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wa-backtest-cli-'));
const emptyPath = mkdtempSync(path.join(os.tmpdir(), 'wa-empty-path-'));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(emptyPath, { recursive: true, force: true });
});

async function backtest(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await exec(process.execPath, ['--import', 'tsx', 'scripts/backtest.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
      maxBuffer: 1 << 24,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A digest of every row of the tables a backtest reads and of the applied migrations. */
async function digest(): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = ['workshop_events', 'workshop_event_ids', 'workshops', 'invitations', 'mechanics', 'pgmigrations'];
    const parts: string[] = [];
    for (const t of tables) {
      const r = await c.query(`SELECT count(*) AS n, md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h
                                 FROM ${t} x`);
      parts.push(`${t}:${r.rows[0].n}:${r.rows[0].h}`);
    }
    return parts.join(' ');
  } finally {
    await c.end();
  }
}

const RANGE = ['--from', '2026-04-06T00:00:00Z', '--to', '2026-04-09T00:00:00Z'];

beforeAll(async () => {
  url = await createTestDatabase('wa_backtest_cli');
  const r = prng(7);
  const events: LogEvent[] = [];
  // one application waiting 60 h, one approved after 10 h
  for (const wait of [60, 10]) {
    const id = r.uuid();
    const at = START + 2 * HOUR + wait * 1000;
    events.push({ id: r.uuid(), type: 'workshop_signup_success', category: 'signup', atMs: at, workshopId: id });
    events.push({
      id: r.uuid(),
      type: 'workshop_approved',
      category: 'approval',
      atMs: at + wait * HOUR,
      workshopId: id,
    });
  }
  await storeEvents(url, events);
}, 60_000);

describe('refused input: exit 2, the problem on stderr, nothing read', () => {
  it.each([
    [['--alert', 'WorkshopNoSuchAlert', ...RANGE], /unknown alert "WorkshopNoSuchAlert"/],
    [['--from', 'yesterday', '--to', '2026-04-09T00:00:00Z'], /--from: "yesterday" is not an RFC 3339 time/],
    [['--from', '2026-04-09T00:00:00Z', '--to', '2026-04-06T00:00:00Z'], /--to .* is before --from/],
    [['--to', '2026-04-09T00:00:00Z'], /--from: required/],
    [[...RANGE, '--step', 'often'], /--step: "often" is not a Prometheus duration/],
    [[...RANGE, '--set', 'WorkshopApplicationStuck.colour=red'], /"colour" .* is not a policy key/],
    [[...RANGE, '--set', 'WorkshopApplicationStuck.threshold=40%'], /WorkshopApplicationStuck\.threshold/],
    [[...RANGE, '--set', 'WorkshopNoSuchAlert.threshold=3'], /unknown alert "WorkshopNoSuchAlert"/],
    [[...RANGE, '--alert', 'WorkshopAnalyticsDown'], /WorkshopAnalyticsDown reads series the event log cannot rebuild/],
    [[...RANGE, '--format', 'pdf'], /--format: json, table, html/],
  ])('%j', async (args, message) => {
    const r = await backtest(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('without prometheus on PATH it says how to install it', async () => {
    const r = await backtest([...RANGE], { PATH: emptyPath });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/prometheus and promtool not found on PATH: .*apt-get install prometheus/);
  });
});

it('a run answers the table and writes nothing to the database', async () => {
  const before = await digest();
  const r = await backtest([...RANGE, '--alert', 'WorkshopApplicationStuck', '--step', '5m', '--format', 'table']);
  expect(r.code, r.stderr).toBe(0);
  const row = r.stdout.split('\n').find((l) => l.startsWith('WorkshopApplicationStuck'));
  // one firing, of one workshop: from 48 h (+ for) until 60 h (+ keep_firing_for), about 12 hours
  expect(row?.split(/\s+/)).toEqual(['WorkshopApplicationStuck', '1', expect.stringMatching(/^1[12]\.\d$/), '1']);
  expect(await digest()).toBe(before);
}, 240_000);
