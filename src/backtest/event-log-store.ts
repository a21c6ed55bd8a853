/**
 * Reads the event log for a replay: the events the replayed gauges depend on, in (occurred_at, id) order, up to
 * an instant, in pages (keyset pagination), so a long log never sits in memory as one result.
 */
import type pg from 'pg';
import { REPLAYED_EVENT_TYPES } from './as-of-gauges.js';

export interface ReplayEvent {
  readonly id: string;
  readonly atMs: number;
  readonly type: string;
  readonly category: string;
  readonly workshopId: string | null;
  readonly mechanicId: string | null;
  readonly inviteId: string | null;
  /** metadata.capacity of a workshop_signup_success when it is a number (rounded, as the int4 column stores it). */
  readonly capacity: number | null;
}

const PAGE_SQL = `
SELECT id, occurred_at, occurred_at::text AS at_text, event_type, event_category, workshop_id, mechanic_id, invite_id,
       CASE WHEN event_type = 'workshop_signup_success' AND jsonb_typeof(metadata -> 'capacity') = 'number'
            THEN round((metadata ->> 'capacity')::numeric)::int END AS capacity
  FROM workshop_events
 WHERE occurred_at <= $1 AND event_type = ANY($2)
   AND ($3::timestamptz IS NULL OR (occurred_at, id) > ($3, $4::uuid))
 ORDER BY occurred_at, id
 LIMIT $5`;

export class EventLogStore {
  constructor(
    private readonly db: Pick<pg.ClientBase, 'query'>,
    private readonly pageSize = 20_000,
  ) {}

  /** Every replayed event with occurred_at <= untilMs, oldest first (ties by id). */
  async *events(untilMs: number): AsyncGenerator<ReplayEvent[]> {
    // keyset on the exact stored timestamp (microseconds), not the JS Date (milliseconds)
    let after: { at: string; id: string } | null = null;
    for (;;) {
      const res: pg.QueryResult = await this.db.query(PAGE_SQL, [
        new Date(untilMs),
        REPLAYED_EVENT_TYPES,
        after?.at ?? null,
        after?.id ?? null,
        this.pageSize,
      ]);
      if (res.rows.length === 0) return;
      yield res.rows.map((r) => ({
        id: r.id,
        atMs: r.occurred_at.getTime(),
        type: r.event_type,
        category: r.event_category,
        workshopId: r.workshop_id,
        mechanicId: r.mechanic_id,
        inviteId: r.invite_id,
        capacity: r.capacity,
      }));
      const last = res.rows[res.rows.length - 1];
      after = { at: last.at_text, id: last.id };
      if (res.rows.length < this.pageSize) return;
    }
  }
}
