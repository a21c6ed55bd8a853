/**
 * Events for backtest tests, stored straight into the event log (the owner's connection), with the monthly
 * partitions first and the idempotency keys beside them, as the service would have written them.
 */
import pg from 'pg';

export interface LogEvent {
  id: string;
  type: string;
  category: 'signup' | 'approval' | 'email' | 'invitation' | 'activity';
  atMs: number;
  workshopId?: string;
  mechanicId?: string;
  inviteId?: string;
  metadata?: Record<string, unknown>;
}

export async function storeEvents(ownerUrl: string, events: readonly LogEvent[]): Promise<void> {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  try {
    const times = events.map((e) => e.atMs);
    await c.query(
      `SELECT workshop_events_ensure_partition(m)
         FROM generate_series(date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                              $2::timestamptz, interval '1 month') AS m`,
      [new Date(Math.min(...times)), new Date(Math.max(...times))],
    );
    for (let i = 0; i < events.length; i += 2000) {
      const chunk = events.slice(i, i + 2000);
      await c.query(
        `WITH e AS (SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::uuid[], $6::uuid[],
                                         $7::text[], $8::jsonb[])
                      AS t(id, occurred_at, event_type, event_category, workshop_id, mechanic_id, invite_id, metadata)),
              k AS (INSERT INTO workshop_event_ids (id, occurred_at) SELECT id, occurred_at FROM e)
         INSERT INTO workshop_events (id, occurred_at, event_type, event_category, workshop_id, mechanic_id, invite_id,
                                      metadata)
         SELECT * FROM e`,
        [
          chunk.map((e) => e.id),
          chunk.map((e) => new Date(e.atMs)),
          chunk.map((e) => e.type),
          chunk.map((e) => e.category),
          chunk.map((e) => e.workshopId ?? null),
          chunk.map((e) => e.mechanicId ?? null),
          chunk.map((e) => e.inviteId ?? null),
          chunk.map((e) => (e.metadata ? JSON.stringify(e.metadata) : null)),
        ],
      );
    }
  } finally {
    await c.end();
  }
}
