/**
 * Benchmark plumbing: one PostgreSQL cluster (embedded, or DATABASE_URL), a fresh migrated database per
 * scenario, the service as a child process, and CPU accounting per component from /proc.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { ensureDatabase, startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { migrate } from '../../src/db/migrate.js';

/** A positive number from the environment variable `name` (default `dflt`); anything else stops the bench. */
export const positiveNumberEnv = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};

export interface Cluster {
  readonly adminUrl: string;
  readonly embedded: boolean;
  /** Creates and migrates a new database; returns its URL. */
  freshDatabase(label: string): Promise<string>;
  /** Drops the database made by freshDatabase(label), to free disk before the next one. */
  dropDatabase(label: string): Promise<void>;
  settings(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/** Embedded PostgreSQL in a temp dir (or DATABASE_URL's server), with databases named `<prefix>_<label>_<pid>`. */
export async function openCluster(prefix = 'ingest_bench'): Promise<Cluster> {
  const external = process.env.DATABASE_URL;
  const dir = external ? undefined : await mkdtemp(path.join(os.tmpdir(), `${prefix.replace(/_/g, '-')}-`));
  const server = dir ? await startEmbeddedPostgres(dir) : undefined;
  const adminUrl = external ?? server!.url;
  const created = new Set<string>();
  const nameOf = (label: string) => `${prefix}_${label}_${process.pid}`;
  const admin = async <T>(f: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      return await f(c);
    } finally {
      await c.end();
    }
  };
  const drop = (name: string) =>
    admin((c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
  return {
    adminUrl,
    embedded: !external,
    async freshDatabase(label) {
      const name = nameOf(label);
      await drop(name);
      const url = await ensureDatabase(adminUrl, name);
      created.add(name);
      await migrate(url);
      return url;
    },
    async dropDatabase(label) {
      await drop(nameOf(label));
      created.delete(nameOf(label));
    },
    settings: () =>
      admin(async (c) => {
        const r = await c.query<{ name: string; setting: string; unit: string | null }>(
          `SELECT name, setting, unit FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers', 'wal_level', 'max_wal_size')`,
        );
        return Object.fromEntries(r.rows.map((x) => [x.name, x.unit ? `${x.setting} (${x.unit})` : x.setting]));
      }),
    async stop() {
      for (const n of created) await drop(n).catch(() => {});
      await server?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ServiceProcess {
  readonly url: string;
  readonly pid: number;
  /** Log lines the service wrote after start-up (LOG_LEVEL=warn, so warnings and errors). */
  readonly logLines: string[];
  stop(): Promise<number | null>;
}

/**
 * Spawns `node [BENCH_SERVICE_NODE_ARGS] --import tsx src/main.ts` on `databaseUrl` with PORT=0; resolves once
 * it prints its URL.
 */
export async function spawnService(
  databaseUrl: string,
  token: string,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ingest-bench-svc-'));
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      INGEST_TOKENS: token,
      ADMIN_TOKENS: `${token}-admin`,
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logLines: string[] = [];
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('service did not start within 60 s')), 60_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      } else if (!line.startsWith('  ')) logLines.push(line);
    });
    createInterface({ input: child.stderr }).on('line', (line) => logLines.push(line));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}) before listening:\n${logLines.join('\n')}`));
    });
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  return {
    url,
    pid: child.pid!,
    logLines,
    async stop() {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(kill);
      await rm(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

// ---- CPU accounting -------------------------------------------------------------------------------------

const TICK_MS = 10; // USER_HZ = 100 on Linux

function procTicks(pid: number | string): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
  } catch {
    return 0;
  }
}

function postgresTicks(): number {
  let t = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') t += procTicks(pid);
    } catch {
      /* exited */
    }
  }
  return t;
}

/** Aggregate CPU line of /proc/stat: user nice system idle iowait irq softirq steal ... */
function machineTicks(): { busy: number; steal: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const steal = f[7] ?? 0;
  return { busy: total - f[3]! - (f[4] ?? 0) - steal, steal, total };
}

export interface CpuShare {
  /** Percent of one core over the window, per component. */
  service: number | null;
  postgres: number;
  bench: number;
  /** Percent of all cores busy (any process, kernel included), and stolen by the hypervisor. */
  machine: number;
  steal: number;
  /** Percent of one core used by everything else (kernel, other processes on the machine). */
  other: number;
}

/** Starts a CPU window; call the returned function to close it. */
export function cpuWindow(servicePid?: number): () => CpuShare {
  const t0 = performance.now();
  const s0 = servicePid ? procTicks(servicePid) : 0;
  const p0 = postgresTicks();
  const b0 = process.cpuUsage();
  const m0 = machineTicks();
  return () => {
    const ms = performance.now() - t0;
    const pct = (ticks: number) => Math.round((ticks * TICK_MS * 100) / ms);
    const b = process.cpuUsage(b0);
    const m1 = machineTicks();
    const share = (d: number) => Math.round((100 * d) / Math.max(1, m1.total - m0.total));
    const service = servicePid ? pct(procTicks(servicePid) - s0) : null;
    const postgres = pct(postgresTicks() - p0);
    const bench = Math.round((b.user + b.system) / 10 / ms);
    const machine = share(m1.busy - m0.busy);
    const other = Math.max(0, machine * os.cpus().length - (service ?? 0) - postgres - bench);
    return { service, postgres, bench, machine, steal: share(m1.steal - m0.steal), other };
  };
}
