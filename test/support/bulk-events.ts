/**
 * Loads many events straight into the event log with set-based SQL (the owner's connection): the monthly partitions
 * first, then the idempotency keys and the events in one statement per chunk, like a log written by the service
 * (ids in workshop_event_ids, occurred_at spread evenly, realistic column sizes). For export tests and bench:export.
 */
import pg from 'pg';

const CHUNK_SQL = `
WITH keys AS (
  INSERT INTO workshop_event_ids (id, occurred_at)
  SELECT gen_random_uuid(), $1::timestamptz + (g * $3::float8) * interval '1 millisecond'
    FROM generate_series($2::int, $2::int + $4::int - 1) AS g
  RETURNING id, occurred_at
)
INSERT INTO workshop_events (id, occurred_at, event_type, event_category, workshop_id, session_id,
  ip_address, user_agent, success, error_message, duration_ms, metadata)
SELECT id, occurred_at,
  CASE WHEN r < 0.7 THEN 'workshop_dashboard_accessed' WHEN r < 0.9 THEN 'session_completed' ELSE 'email_invite_failed' END,
  CASE WHEN r < 0.9 THEN 'activity' ELSE 'email' END,
  ($5::uuid[])[1 + floor(r * 997)::int % cardinality($5::uuid[])],
  'sess_' || floor(r * 1e6)::int,
  ('203.0.' || floor(r * 256)::int || '.0/24')::inet,
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  r < 0.9,
  CASE WHEN r >= 0.9 THEN 'SMTP 421 4.7.0 try again later, "quoted", =cmd' END,
  floor(r * 800)::int,
  jsonb_build_object('revenue_cents', floor(r * 60000)::int, 'note', 'plain text, with a comma')
FROM (SELECT id, occurred_at, random() AS r FROM keys) AS k`;

/** Creates the partitions of every month touching [fromMs, toMs) through the service's own function. */
async function ensureMonths(c: pg.ClientBase, fromMs: number, toMs: number): Promise<void> {
  await c.query(
    `SELECT workshop_events_ensure_partition(m)
       FROM generate_series(date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                            $2::timestamptz, interval '1 month') AS m`,
    [new Date(fromMs), new Date(toMs)],
  );
}

/**
 * Stores `total` events from `fromMs`, one every `stepMs`, over `workshops`, in chunks of `chunk` rows on
 * `connections` connections (synchronous_commit off: a test database). Returns the rows stored.
 */
export async function loadEvents(
  ownerUrl: string,
  o: {
    total: number;
    fromMs: number;
    stepMs: number;
    workshops: readonly string[];
    chunk?: number;
    connections?: number;
  },
): Promise<number> {
  const chunk = o.chunk ?? 100_000;
  const pool = new pg.Pool({ connectionString: ownerUrl, max: o.connections ?? 2 });
  try {
    const c = await pool.connect();
    try {
      await ensureMonths(c, o.fromMs, o.fromMs + o.total * o.stepMs);
    } finally {
      c.release();
    }
    let next = 0;
    let rows = 0;
    const worker = async () => {
      const c = await pool.connect();
      try {
        await c.query('SET synchronous_commit = off');
        for (let start = next; start < o.total; start = next) {
          next += chunk;
          const n = Math.min(chunk, o.total - start);
          const r = await c.query(CHUNK_SQL, [new Date(o.fromMs), start, o.stepMs, n, o.workshops]);
          rows += r.rowCount ?? 0;
        }
      } finally {
        c.release();
      }
    };
    await Promise.all(Array.from({ length: o.connections ?? 2 }, worker));
    await pool.query('ANALYZE workshop_events');
    return rows;
  } finally {
    await pool.end();
  }
}
