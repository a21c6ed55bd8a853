/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded PostgreSQL in DATA_DIR). */
import { withDatabase } from './cli.js';

await withDatabase(async () => {
  console.log('database is up to date');
});
