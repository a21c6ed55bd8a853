/**
 * The paths a user actually runs, as processes: `npm start`'s command (read from package.json) on the built
 * `dist/` with its telemetry preload, and the start without DATABASE_URL, which runs an embedded PostgreSQL in
 * DATA_DIR/postgres (as the OS user `postgres` when started as root) and generates DATA_DIR/tokens.json — both
 * kept across a restart. Every process listens on 127.0.0.1 on a free port and is stopped with SIGTERM; anything
 * left (a failed test) is killed with its process group in afterAll.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withClient } from '../support/database.js';
import { signupSuccess, uuid } from '../support/events.js';
import { ADMIN_TOKEN, INGEST_TOKEN, WEBHOOK_TOKEN, postEvents } from '../support/service.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const START_SCRIPT = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start;

/** Variables of the test runner's environment that would change what the service does. */
const SERVICE_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATA_DIR',
  'INGEST_TOKENS',
  'ADMIN_TOKENS',
  'ALERT_WEBHOOK_TOKENS',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'AGGREGATOR_MODE',
];

const children: ChildProcess[] = [];
const dirs: string[] = [];

interface Running {
  url: string;
  output: () => string;
  /** SIGTERM, then the exit code and signal. */
  stop: () => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns package.json's start command in its own process group; resolves with the URL it prints. */
async function start(env: Record<string, string>): Promise<Running> {
  const [command, ...args] = START_SCRIPT.split(/\s+/);
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SERVICE_VARIABLES.includes(k)));
  const child = spawn(command === 'node' ? process.execPath : command!, args, {
    cwd: ROOT,
    env: { ...base, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within 45 s:\n${out}`)), 45_000);
    const onData = () => {
      const m = /workshop-analytics listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(([code, signal]) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
  return {
    url,
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      const [code, signal] = await exited;
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
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(-c.pid, 'SIGKILL'); // the service and the PostgreSQL it started
      } catch {
        // already gone
      }
    }
  }
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
