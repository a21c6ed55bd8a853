/** Resolves the database to use: DATABASE_URL, or an embedded PostgreSQL in DATA_DIR (database workshop_analytics). */
import type { Config } from '../config.js';
import { ensureDatabase, startEmbeddedPostgres } from './embedded-postgres.js';

export interface Database {
  readonly url: string;
  readonly embedded: boolean;
  /** Stops the embedded server (no-op for DATABASE_URL). */
  stop(): Promise<void>;
}

export const EMBEDDED_DATABASE_NAME = 'workshop_analytics';

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  log: (msg: string) => void,
): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  const server = await startEmbeddedPostgres(config.dataDir, { log });
  try {
    const url = await ensureDatabase(server.url, EMBEDDED_DATABASE_NAME);
    return { url, embedded: true, stop: () => server.stop() };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
