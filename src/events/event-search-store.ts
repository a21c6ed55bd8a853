/**
 * Reads the event log for GET /api/events: one page (LIMIT), or every matching event through a server-side cursor
 * (DECLARE … CURSOR / FETCH in a read-only transaction), a batch at a time, so an export of millions of events holds
 * one batch in memory. Each FETCH is its own statement, so the pool's statement_timeout bounds each batch, not the
 * whole export; closing the generator early (the client went away) rolls back, which ends the query.
 */
import type pg from 'pg';
import { unlessUnavailable } from '../db/pool.js';
import { searchQuery, type EventFilter, type EventRow } from './event-search-sql.js';

/**
 * Rows per FETCH of an export: enough to amortise the round trip, few enough that a batch (a few hundred KiB of
 * row objects) dies young in V8's heap instead of piling up in the old generation until a major GC.
 */
export const EXPORT_BATCH_ROWS = 500;

export class EventSearchStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Up to `limit` events after `filter.after`, and whether more follow. */
  async page(filter: EventFilter, limit: number): Promise<{ rows: EventRow[]; more: boolean }> {
    const q = searchQuery(filter, limit + 1);
    const res = await unlessUnavailable(this.pool.query<EventRow>(q.text, q.values));
    return { rows: res.rows.slice(0, limit), more: res.rows.length > limit };
  }

  /**
   * Every event matching `filter`, in order, as batches of at most `batchRows`. One consistent snapshot (the
   * transaction's): events stored while it runs are not included. The first batch's failure to reach the database
   * is a 503 (AppError); later failures are thrown as they are (the response has started).
   */
  async *export(filter: EventFilter, batchRows = EXPORT_BATCH_ROWS): AsyncGenerator<EventRow[], void, void> {
    const client = await unlessUnavailable(this.pool.connect());
    let finished = false;
    try {
      const q = searchQuery(filter);
      const fetch = `FETCH ${Math.max(1, Math.floor(batchRows))} FROM event_export`;
      const first = await unlessUnavailable(
        (async () => {
          await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          await client.query(`DECLARE event_export NO SCROLL CURSOR FOR ${q.text}`, q.values);
          return client.query<EventRow>(fetch);
        })(),
      );
      if (first.rows.length > 0) yield first.rows;
      for (let more = first.rows.length > 0; more;) {
        const rows = (await client.query<EventRow>(fetch)).rows;
        more = rows.length > 0;
        if (more) yield rows;
      }
      await client.query('COMMIT');
      finished = true;
    } finally {
      // stopped early (the client went away) or failed: ROLLBACK ends the query; a connection that cannot even roll
      // back is dropped from the pool rather than reused
      if (finished) client.release();
      else
        await client.query('ROLLBACK').then(
          () => client.release(),
          (err: unknown) => client.release(err instanceof Error ? err : new Error(String(err))),
        );
    }
  }
}
