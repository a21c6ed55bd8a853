/**
 * The phase-2 report's "Test Event Tracking" check, verbatim: after a signup, an approval, a rejection and an
 * invitation are posted, the plan's SQL over workshop_events returns them. And migration 1730000000014 carries an
 * existing log forward: what was received_at is created_at, with its values, its default and its privileges.
 */
import { readdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { runner } from 'node-pg-migrate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ensureDatabase } from '../../src/db/embedded-postgres.js';
import { migrate, MIGRATIONS_DIR, MIGRATIONS_TABLE } from '../../src/db/migrate.js';
import { ev, signupSuccess, uuid } from '../support/events.js';
import { connectAsGrafanaReader } from '../support/grafana-reader.js';
import { withClient } from '../support/database.js';
import { postEvents, startTestService } from '../support/service.js';

/** phase-2-data-collection-report.md, "Test Event Tracking", step 4: unchanged. */
const PLAN_SQL = `SELECT event_type, event_category, created_at, success
FROM workshop_events
WHERE created_at > NOW() - INTERVAL '1 hour'
ORDER BY created_at DESC;`;

describe("the plan's event tracking check", () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('when a signup, an approval, a rejection and an invitation are posted, then the plan SQL returns them, newest first', async () => {
    const [a, b] = [uuid(), uuid()];
    const admin = uuid();
    const before = Date.now();
    // occurred_at of a week ago: the plan's check is by created_at (when the service received them), not occurred_at
    const weekAgo = new Date(before - 7 * 86_400_000).toISOString();
    const batches = [
      [signupSuccess(a, weekAgo), signupSuccess(b, weekAgo, { name: 'Ottawa Auto Experts', city: 'Ottawa' })],
      [ev('workshop_approved', { workshop_id: a, admin_id: admin })],
      [ev('workshop_rejected', { workshop_id: b, admin_id: admin, metadata: { reason: 'incomplete documents' } })],
      [ev('mechanic_invited', { workshop_id: a, metadata: { invite_id: 'inv-plan-1' } })],
    ];
    for (const events of batches) {
      const res = await postEvents(svc.url, { events });
      expect(res.status, JSON.stringify(res.json)).toBe(202);
      await new Promise((r) => setTimeout(r, 5)); // distinct created_at per batch: the order is checked
    }
    const owner = await withClient(svc.databaseUrl, (c) => c.query(PLAN_SQL));
    expect(owner.fields.map((f) => f.name)).toEqual(['event_type', 'event_category', 'created_at', 'success']);
    expect(owner.rows.map((r) => [r.event_type, r.event_category, r.success])).toEqual([
      ['mechanic_invited', 'invitation', true],
      ['workshop_rejected', 'approval', true],
      ['workshop_approved', 'approval', true],
      ['workshop_signup_success', 'signup', true],
      ['workshop_signup_success', 'signup', true],
    ]);
    for (const r of owner.rows) {
      expect((r.created_at as Date).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect((r.created_at as Date).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    }
    // grafana_reader may run it too (created_at is among its columns)
    const reader = await connectAsGrafanaReader(svc.databaseUrl);
    try {
      expect((await reader.client.query(PLAN_SQL)).rows).toEqual(owner.rows);
    } finally {
      await reader.close();
    }
  });
});

describe('migration 1730000000014 on a log stored before it', () => {
  let url: string;
  beforeAll(async () => {
    url = await ensureDatabase(inject('pgAdminUrl'), `wa_ca_${randomBytes(5).toString('hex')}`);
  });

  it('when events were stored with received_at, then after migrating they have the same created_at, and new ones get now()', async () => {
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
    const before = files.filter((f) => f < '1730000000014').length;
    await runner({
      databaseUrl: url,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      count: before,
      log: () => {},
      verbose: false,
      checkOrder: true,
    });
    const id = uuid();
    const received = '2026-03-20T10:00:00.000Z';
    await withClient(url, async (c) => {
      await c.query(`SELECT workshop_events_ensure_partition('2026-03-19T00:00:00Z')`);
      await c.query(
        `INSERT INTO workshop_events (id, occurred_at, received_at, event_type, event_category, workshop_id)
         VALUES ($1, '2026-03-19T00:00:00Z', $2, 'workshop_approved', 'approval', $3)`,
        [id, received, uuid()],
      );
    });

    await migrate(url);

    await withClient(url, async (c) => {
      const row = (await c.query('SELECT created_at FROM workshop_events WHERE id = $1', [id])).rows[0];
      expect((row.created_at as Date).toISOString()).toBe(received);
      const cols = await c.query(
        `SELECT column_name, column_default FROM information_schema.columns
          WHERE table_name = 'workshop_events' AND column_name IN ('received_at', 'created_at')`,
      );
      expect(cols.rows).toEqual([{ column_name: 'created_at', column_default: 'now()' }]);
      // every partition renamed with the parent, and grafana_reader reads the column under its new name
      const partitions = await c.query(
        `SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_attribute a ON a.attrelid = i.inhrelid
          WHERE i.inhparent = 'workshop_events'::regclass AND a.attname = 'created_at'`,
      );
      expect(partitions.rows[0].n).toBeGreaterThan(0);
      const priv = await c.query(
        `SELECT has_column_privilege('grafana_reader', 'workshop_events', 'created_at', 'SELECT') AS events,
                has_column_privilege('grafana_reader', 'workshops', 'region', 'SELECT') AS region,
                has_column_privilege('grafana_reader', 'workshop_events', 'metadata', 'SELECT') AS metadata`,
      );
      expect(priv.rows[0]).toEqual({ events: true, region: true, metadata: false });
      const fresh = uuid();
      await c.query(
        `INSERT INTO workshop_events (id, occurred_at, event_type, event_category) VALUES ($1, '2026-03-19T00:00:00Z', 'workshop_signup_started', 'signup')`,
        [fresh],
      );
      const t = (
        await c.query(`SELECT created_at > now() - interval '1 minute' AS recent FROM workshop_events WHERE id = $1`, [
          fresh,
        ])
      ).rows[0];
      expect(t.recent).toBe(true);
    });

    // and back: down (to before 1730000000014, and any later migration) restores received_at with the values, up
    // again gives created_at
    await runner({
      databaseUrl: url,
      dir: MIGRATIONS_DIR,
      direction: 'down',
      migrationsTable: MIGRATIONS_TABLE,
      count: files.length - before,
      log: () => {},
      verbose: false,
      checkOrder: true,
    });
    await withClient(url, async (c) => {
      const row = (await c.query('SELECT received_at FROM workshop_events WHERE id = $1', [id])).rows[0];
      expect((row.received_at as Date).toISOString()).toBe(received);
    });
    await migrate(url);
    await withClient(url, async (c) => {
      const row = (await c.query('SELECT created_at FROM workshop_events WHERE id = $1', [id])).rows[0];
      expect((row.created_at as Date).toISOString()).toBe(received);
    });
  });
});
