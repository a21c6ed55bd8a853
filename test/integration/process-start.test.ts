/**
 * The paths a user actually runs, as processes: `npm start`'s command (read from package.json) on the built
 * `dist/` with its telemetry preload, and the start without DATABASE_URL, which runs an embedded PostgreSQL in
 * DATA_DIR/postgres (as the OS user `postgres` when started as root) and generates DATA_DIR/tokens.json — both
 * kept across a restart. Every process listens on 127.0.0.1 on a free port and is stopped with SIGTERM; anything
 * left (a failed test) is killed with its process group in afterAll.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withClient } from '../support/database.js';
import { signupSuccess, uuid } from '../support/events.js';
import { ADMIN_TOKEN, INGEST_TOKEN, WEBHOOK_TOKEN, postEvents } from '../support/service.js';
import { killAll, spawnService } from '../support/service-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const START_SCRIPT = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start;

const dirs: string[] = [];

interface Running {
  url: string;
  output: () => string;
  /** SIGTERM, then the exit code and signal. */
  stop: () => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns package.json's start command (its own process group, schedule on as by default); resolves with its URL. */
async function start(env: Record<string, string>): Promise<Running> {
  const [command, ...args] = START_SCRIPT.split(/\s+/);
  if (command !== 'node') throw new Error(`npm start is expected to run node: ${START_SCRIPT}`);
  const p = await spawnService({ AGGREGATOR_MODE: 'inline', ...env }, { nodeArgs: args });
  return {
    url: p.url,
    output: p.output,
    async stop() {
      p.kill('SIGTERM');
      const [code, signal] = await p.exited;
      return { code, signal };
    },
  };
}

const metricsText = async (url: string) => (await fetch(`${url}/metrics`)).text();
const signupCounter =
  /^workshop_events_total\{type="workshop_signup_success",category="signup",outcome="success"\} (\S+)$/m;

/** The real uid of a process (/proc/<pid>/status, "Uid:" real effective saved fs). */
function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'))!;
  return Number(line.split(/\s+/)[1]);
}

async function gone(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!existsSync(`/proc/${pid}`)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

beforeAll(async () => {
  // what `npm start` runs first (its prestart): the build into dist/ (gitignored)
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
}, 180_000);

afterAll(() => {
  killAll(); // the service and the PostgreSQL it started, if a test left them running
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

describe('npm start', () => {
  it('runs the built service with its preload: it takes an event, shows it on /metrics and exits 0 on SIGTERM', async () => {
    expect(START_SCRIPT).toContain('dist/');
    const databaseUrl = await createTestDatabase();
    const svc = await start({
      DATABASE_URL: databaseUrl,
      DATA_DIR: tempDir('wa-start-'),
      INGEST_TOKENS: INGEST_TOKEN,
      ADMIN_TOKENS: ADMIN_TOKEN,
      ALERT_WEBHOOK_TOKENS: WEBHOOK_TOKEN,
    });
    expect(svc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(svc.output()).toContain('database: DATABASE_URL');

    const event = signupSuccess(uuid(), new Date(Date.now() - 60_000).toISOString());
    const res = await postEvents(svc.url, event);
    expect(res.status, res.text).toBe(202);
    expect(res.json).toEqual({ accepted: 1, duplicates: 0 });
    expect(signupCounter.exec(await metricsText(svc.url))?.[1]).toBe('1');

    expect(await svc.stop()).toEqual({ code: 0, signal: null });
    const stored = await withClient(databaseUrl, (c) =>
      c.query('SELECT 1 FROM workshop_events WHERE id = $1', [event.id]),
    );
    expect(stored.rowCount).toBe(1);
  });

  it('without DATABASE_URL: PostgreSQL in DATA_DIR/postgres as the postgres user, tokens.json 0600, both kept across a restart', async () => {
    const dataDir = tempDir('wa-start-embedded-');
    const pgDir = path.join(dataDir, 'postgres');
    const tokensFile = path.join(dataDir, 'tokens.json');
    const expectedUid =
      process.getuid!() === 0 ? Number(execFileSync('id', ['-u', 'postgres']).toString()) : process.getuid!();

    const first = await start({ DATA_DIR: dataDir });
    expect(first.output()).toContain(`database: embedded PostgreSQL, data in ${dataDir}/postgres`);
    expect(first.output()).toContain(`tokens: ${tokensFile}`);
    expect(statSync(tokensFile).mode & 0o777).toBe(0o600);
    const tokens = JSON.parse(readFileSync(tokensFile, 'utf8')) as Record<string, string>;
    expect(Object.keys(tokens).sort()).toEqual(['admin', 'alert_webhook', 'ingest']);

    // the postmaster of this data directory runs as postgres (as root) and owns the directory
    const postmasterPid = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(readFileSync(`/proc/${postmasterPid}/cmdline`, 'utf8')).toContain(pgDir);
    expect(uidOf(postmasterPid)).toBe(expectedUid);
    expect(statSync(pgDir).uid).toBe(expectedUid);

    const workshopId = uuid();
    const event = signupSuccess(workshopId, new Date(Date.now() - 60_000).toISOString());
    expect((await postEvents(first.url, event, tokens.ingest)).json).toEqual({ accepted: 1, duplicates: 0 });
    expect(signupCounter.exec(await metricsText(first.url))?.[1]).toBe('1');
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    expect(await gone(postmasterPid), 'PostgreSQL stops with the service').toBe(true);

    const second = await start({ DATA_DIR: dataDir });
    expect(JSON.parse(readFileSync(tokensFile, 'utf8'))).toEqual(tokens);
    expect(statSync(tokensFile).mode & 0o777).toBe(0o600);
    // the event survived: its workshop is pending on /metrics, and sending it again is a duplicate
    expect(await metricsText(second.url)).toMatch(
      new RegExp(`^workshop_application_submitted_timestamp_seconds\\{workshop_id="${workshopId}"\\} `, 'm'),
    );
    expect((await postEvents(second.url, event, tokens.ingest)).json).toEqual({ accepted: 0, duplicates: 1 });
    const restartedPid = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(uidOf(restartedPid)).toBe(expectedUid);
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  }, 90_000);
});
