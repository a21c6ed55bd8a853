/**
 * Resolves the database to use: DATABASE_URL, or an embedded PostgreSQL in DATA_DIR (database
 * workshop_analytics); and opens it for the service: migrated, with a pool.
 *
 * Two roles: migrations run as the schema owner (DATABASE_MIGRATION_URL, default DATABASE_URL; embedded: the
 * superuser), the pool connects as the app (DATABASE_URL; embedded: workshop_app, which migration
 * 1730000000010 creates and which gets a login here, its password kept in DATA_DIR/app-db-password).
 */
import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ensureDatabase, ensureLogin, startEmbeddedPostgres } from './embedded-postgres.js';
import { migrate, pendingMigrations } from './migrate.js';
import { createPool, type Pool } from './pool.js';

export interface Database {
  /** The schema owner's URL: migrations (and administration) run with it. */
  readonly url: string;
  /** The URL the service's pool uses, once the migrations ran (they create the embedded server's app role). */
  appUrl(): Promise<string>;
  /** Stops the embedded server (no-op for DATABASE_URL); see EmbeddedPostgresHandle.stop for `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export const EMBEDDED_DATABASE_NAME = 'workshop_analytics';
/** The role the service runs as (created NOLOGIN by migration 1730000000010). */
export const APP_ROLE = 'workshop_app';

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'databaseMigrationUrl' | 'dataDir'>,
  log: (msg: string) => void,
  notice: (msg: string) => void = log,
): Promise<Database> {
  const { databaseUrl } = config;
  if (databaseUrl)
    return { url: config.databaseMigrationUrl ?? databaseUrl, appUrl: async () => databaseUrl, stop: async () => {} };
  const server = await startEmbeddedPostgres(config.dataDir, { log, notice });
  try {
    const url = await ensureDatabase(server.url, EMBEDDED_DATABASE_NAME);
    const appUrl = () => ensureLogin(url, APP_ROLE, path.join(config.dataDir, 'app-db-password'));
    return { url, appUrl, stop: (timeoutMs) => server.stop(timeoutMs) };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function pendingMigrationsAt(url: string): Promise<string[]> {
  const pool = createPool(url, 1, () => {});
  try {
    return await pendingMigrations(pool);
  } finally {
    await pool.end();
  }
}

export interface Storage {
  /** The schema owner's URL (migrations); the pool connects with the app's. */
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
  config: Pick<Config, 'databaseUrl' | 'databaseMigrationUrl' | 'dataDir' | 'databasePoolSize'>,
  log: Logger,
): Promise<Storage> {
  const db = await openDatabase(
    config,
    (msg) => log.debug({ postgres: msg.trim() }, 'embedded postgres'),
    (msg) => log.warn(msg),
  );
  let appUrl: string;
  try {
    // Only when something is pending: the migration runner wants to own pgmigrations, which an app role that
    // was migrated for beforehand (compose's db-migrate) may only read.
    if ((await pendingMigrationsAt(db.url)).length) {
      const ran = await migrate(db.url, (msg) => log.debug(msg));
      if (ran.length) log.info({ migrations: ran }, 'migrations applied');
    }
    appUrl = await db.appUrl();
  } catch (err) {
    await db.stop().catch(() => {});
    throw err;
  }
  const pool = createPool(appUrl, config.databasePoolSize, (err) => log.warn({ err }, 'idle database client error'));
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
