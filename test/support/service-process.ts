/**
 * The service as a child process (`src/main.ts` under tsx, as `npm run dev` runs it), in its own process group on
 * 127.0.0.1, for tests that signal, kill or measure it. Variables of the runner's environment that would change
 * what the service does are dropped; `killAll()` (afterAll) SIGKILLs every group still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

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
  'SHUTDOWN_DELAY_SECONDS',
];

export interface ServiceProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code and signal. */
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** Signals the process (not its group). */
  kill(signal: NodeJS.Signals): void;
}

const running: ChildProcess[] = [];

/**
 * Spawns the service (by default `node --import tsx src/main.ts`; `nodeArgs` replaces what follows `node`, e.g.
 * npm start's `--import ./dist/… dist/src/main.js`); resolves once it prints where it listens (rejects if it exits
 * first or within 45 s).
 */
export async function spawnService(
  env: Record<string, string>,
  opts: { nodeArgs?: readonly string[] } = {},
): Promise<ServiceProcess> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SERVICE_VARIABLES.includes(k)));
  const child = spawn(process.execPath, opts.nodeArgs ?? ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...base, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', AGGREGATOR_MODE: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.push(child);
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
    pid: child.pid!,
    child,
    output: () => out,
    exited,
    kill: (signal) => child.kill(signal),
  };
}

/** SIGKILLs the process group of every spawned service still running (the service and what it started). */
export function killAll(): void {
  for (const c of running.splice(0)) {
    if (c.pid === undefined) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status), or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
