/** `npm run rebuild-projections`: rebuilds workshops, invitations and mechanics from the event log. */
import { createPool } from '../src/db/pool.js';
import { EventStore } from '../src/ingest/event-store.js';
import { withDatabase } from './cli.js';

await withDatabase(async (db, config) => {
  const pool = createPool(db.url, 2, (err) => console.error(err));
  try {
    const started = performance.now();
    const read = await new EventStore(pool, config.ipMode).rebuildProjections();
    const counts = await pool.query(
      `SELECT (SELECT count(*) FROM workshops) AS workshops, (SELECT count(*) FROM invitations) AS invitations, (SELECT count(*) FROM mechanics) AS mechanics`,
    );
    const c = counts.rows[0];
    console.log(
      `rebuilt projections from ${read} events in ${((performance.now() - started) / 1000).toFixed(2)} s: ` +
        `${c.workshops} workshops, ${c.invitations} invitations, ${c.mechanics} mechanics`,
    );
  } finally {
    await pool.end();
  }
});
