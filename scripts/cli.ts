/** Shared start-up for command-line scripts: config (fails listing every problem) and the database. */
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';

export async function withDatabase(fn: (db: Database, config: Config) => Promise<void>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : String(err));
    process.exit(2);
  }
  const db = await openDatabase(config, () => {});
  try {
    const ran = await migrate(db.url);
    if (ran.length) console.log(`applied migrations: ${ran.join(', ')}`);
    await fn(db, config);
  } finally {
    await db.stop();
  }
}
