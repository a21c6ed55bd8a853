/** Applies the SQL migrations in ./migrations with node-pg-migrate (which takes an advisory lock). */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';

/** ./migrations at the package root, found from src/db (tsx) or dist/src/db (compiled). */
function findMigrationsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'migrations')))
      return path.join(dir, 'migrations');
    const up = path.dirname(dir);
    if (up === dir) throw new Error('migrations folder not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export const MIGRATIONS_DIR = findMigrationsDir();
export const MIGRATIONS_TABLE = 'pgmigrations';

export async function migrate(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<string[]> {
  const ran = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: MIGRATIONS_TABLE,
    count: Infinity,
    log,
    verbose: false,
    checkOrder: true,
  });
  return ran.map((m) => m.name);
}

/** Names of migrations present in ./migrations but not yet applied to the database. */
export async function pendingMigrations(pool: pg.Pool): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, ''));
  const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [MIGRATIONS_TABLE]);
  if (!exists.rows[0]?.t) return files;
  const applied = await pool.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`);
  const done = new Set(applied.rows.map((r) => r.name));
  return files.filter((f) => !done.has(f));
}
