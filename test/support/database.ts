/** A fresh, migrated database per test file, cloned from the run's template. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { ensureDatabase } from '../../src/db/embedded-postgres.js';

export async function createTestDatabase(prefix = 'wa_test'): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  return ensureDatabase(inject('pgAdminUrl'), name, inject('pgTemplate'));
}

/** The same database as the app role workshop_app (the service's pool connects so; `url` stays the owner's). */
export function asAppRole(url: string): string {
  const u = new URL(url);
  u.username = 'workshop_app';
  u.password = inject('pgAppPassword');
  return u.toString();
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
