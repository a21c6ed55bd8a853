/**
 * Resolves the database to use: DATABASE_URL, or an embedded PostgreSQL in DATA_DIR (database
 * workshop_analytics); and opens it for the service: migrated, with a pool.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ensureDatabase, startEmbeddedPostgres } from './embedded-postgres.js';
import { migrate, pendingMigrations } from './migrate.js';
import { createPool, type Pool } from './pool.js';

export interface Database {
  readonly url: string;
  /** Stops the embedded server (no-op for DATABASE_URL); see EmbeddedPostgresHandle.stop for `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export const EMBEDDED_DATABASE_NAME = 'workshop_analytics';

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  log: (msg: string) => void,
  notice: (msg: string) => void = log,
): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => {} };
  const server = await startEmbeddedPostgres(config.dataDir, { log, notice });
  try {
    const url = await ensureDatabase(server.url, EMBEDDED_DATABASE_NAME);
    return { url, stop: (timeoutMs) => server.stop(timeoutMs) };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

export interface Storage {
  readonly url: string;
  readonly pool: Pool;
  /** Problems that make the service not ready (unapplied migrations); empty when ready. */
  readiness(): Promise<string[]>;
  /** Ends the pool: waits for checked-out clients to be released (callers bound the wait). */
  closePool(): Promise<void>;
  /** Stops an embedded PostgreSQL (fast shutdown for `timeoutMs`, then immediate); no-op for DATABASE_URL. */
  stopDatabase(timeoutMs?: number): Promise<void>;
  /** closePool, then stopDatabase. */
  close(): Promise<void>;
}

/** The service's database: opened, migrated, with a pool of `DATABASE_POOL_SIZE` connections. */
export async function openStorage(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'databasePoolSize'>,
  log: Logger,
): Promise<Storage> {
  const db = await openDatabase(
    config,
    (msg) => log.debug({ postgres: msg.trim() }, 'embedded postgres'),
    (msg) => log.warn(msg),
  );
  try {
    const ran = await migrate(db.url, (msg) => log.debug(msg));
    if (ran.length) log.info({ migrations: ran }, 'migrations applied');
  } catch (err) {
    await db.stop().catch(() => {});
    throw err;
  }
  const pool = createPool(db.url, config.databasePoolSize, (err) => log.warn({ err }, 'idle database client error'));
  return {
    url: db.url,
    pool,
    async readiness() {
      const pending = await pendingMigrations(pool);
      return pending.length ? [`migrations not applied: ${pending.join(', ')}`] : [];
    },
    async closePool() {
      await pool.end().catch(() => {});
    },
    stopDatabase: (timeoutMs) => db.stop(timeoutMs),
    async close() {
      await pool.end().catch(() => {});
      await db.stop();
    },
  };
}
