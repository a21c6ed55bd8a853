/** A database session with exactly grafana_reader's privileges and settings, as Grafana's data source has. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withClient } from './database.js';

export interface GrafanaReader {
  client: pg.Client;
  /** Ends the session and drops the login created for it. */
  close(): Promise<void>;
}

/**
 * A login of our own that becomes grafana_reader (SET ROLE) with grafana_reader's role settings (read-only
 * transactions, statement timeout): its privileges exactly. `adminUrl` may create roles (the test database's owner).
 */
export async function connectAsGrafanaReader(adminUrl: string): Promise<GrafanaReader> {
  const login = `wa_dash_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  await withClient(adminUrl, async (c) => {
    await c.query(`CREATE ROLE ${login} LOGIN PASSWORD '${password}' NOINHERIT`);
    await c.query(`GRANT grafana_reader TO ${login}`);
  });
  const url = new URL(adminUrl);
  url.username = login;
  url.password = password;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query('SET ROLE grafana_reader');
  const settings = await client.query<{ setting: string }>(
    `SELECT unnest(setconfig) AS setting FROM pg_db_role_setting WHERE setrole = 'grafana_reader'::regrole AND setdatabase = 0`,
  );
  for (const { setting } of settings.rows) {
    const [name, ...value] = setting.split('=');
    await client.query('SELECT set_config($1, $2, false)', [name, value.join('=')]);
  }
  return {
    client,
    async close() {
      await client.end().catch(() => {});
      await withClient(adminUrl, (c) => c.query(`DROP ROLE IF EXISTS ${login}`));
    },
  };
}
