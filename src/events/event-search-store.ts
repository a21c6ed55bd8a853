/**
 * Reads the event log for GET /api/events: one page (LIMIT), or every matching event as the bytes PostgreSQL writes
 * for `COPY (SELECT …) TO STDOUT` (pg-copy-streams), in a read-only transaction: no row becomes a JavaScript object,
 * and the connection's socket is read only as fast as the consumer takes the stream (backpressure down to
 * PostgreSQL). Destroying the stream before its end (the client went away) drops the connection, which ends the COPY.
 */
import { Readable } from 'node:stream';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import {
  exportCopyQuery,
  searchQuery,
  type EventFilter,
  type EventRow,
  type ExportFormat,
} from './event-search-sql.js';

/** Resolves once `stream` has bytes to read or has ended; rejects with its error. */
function firstBytes(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: unknown) => {
      stream.off('readable', done);
      stream.off('error', done);
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve();
    };
    stream.on('readable', done);
    stream.on('error', done);
  });
}

export class EventSearchStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Up to `limit` events after `filter.after`, and whether more follow. */
  async page(filter: EventFilter, limit: number): Promise<{ rows: EventRow[]; more: boolean }> {
    const q = searchQuery(filter, limit + 1);
    const res = await this.pool.query<EventRow>(q.text, q.values);
    return { rows: res.rows.slice(0, limit), more: res.rows.length > limit };
  }

  /**
   * Every event matching `filter`, in order, as `format` (exportCopyQuery): a stream of PostgreSQL's COPY bytes,
   * returned once the first bytes are there, so that failing to reach the database is still a 503 (AppError). One
   * consistent snapshot (the transaction's): events stored while it runs are not included. The export is one
   * statement, so the pool's statement_timeout is lifted for its transaction (a client that stops reading is cut
   * off by the route instead), and the backend checks every second that its client is still connected.
   *
   * The stream ending commits and returns the connection to the pool; an error, or the stream destroyed before its
   * end, drops the connection (pg destroys the socket of a client with a query running), which ends the COPY.
   */
  async export(filter: EventFilter, format: ExportFormat): Promise<Readable> {
    const sql = exportCopyQuery(filter, format, pg.escapeLiteral);
    const client = await this.pool.connect();
    let settled = false;
    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      if (err !== undefined) client.release(err instanceof Error ? err : new Error(String(err)));
      else
        client.query('COMMIT').then(
          () => client.release(),
          (e: unknown) => client.release(e instanceof Error ? e : new Error(String(e))),
        );
    };
    try {
      await client.query(
        'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = 0; ' +
          "SET LOCAL client_connection_check_interval = '1s'",
      );
    } catch (err) {
      settle(err);
      throw err;
    }
    const stream = client.query(copyTo(sql));
    stream.once('end', () => settle());
    stream.once('error', (err) => settle(err));
    stream.once('close', () => settle(new Error('event export stopped before its end')));
    try {
      await firstBytes(stream);
    } catch (err) {
      settle(err);
      stream.destroy();
      throw err;
    }
    return stream;
  }
}
