/**
 * Event log retention (EVENTS_RETENTION_MONTHS): drops the monthly partitions of workshop_events that ended before
 * the cutoff, and the idempotency keys of their events. The cutoff is the first instant (UTC) of the month
 * `months` whole months before the current one: with 3 months on 2026-12-03, the partitions of September to
 * December 2026 stay and August 2026 and older go. Projections and KPI rows are other tables and stay.
 * Runs under the daily job's lease (once across replicas); two callers at once are still safe: the SQL function
 * (migration 1730000000015) skips a partition that is already gone.
 */
import type pg from 'pg';

const PARTITION = /^workshop_events_(\d{4})_(\d{2})$/;

/** ISO instant of the cutoff: the start of the UTC month `months` before the month of `nowMs`. */
export function retentionCutoff(nowMs: number, months: number): string {
  const d = new Date(nowMs);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months, 1)).toISOString();
}

export interface RetentionResult {
  /** Partitions detached and dropped, oldest first. */
  dropped: string[];
  /** Idempotency keys deleted (events that occurred before the cutoff). */
  keysDeleted: number;
}

/** Drops every event partition whose month ends at or before `cutoffIso`, then the keys of events before it. */
export async function dropEventPartitionsBefore(pool: pg.Pool, cutoffIso: string): Promise<RetentionResult> {
  const cutoff = Date.parse(cutoffIso);
  const res = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'workshop_events'::regclass ORDER BY c.relname`,
  );
  const expired = res.rows
    .map((r) => r.name)
    .filter((name) => {
      const m = PARTITION.exec(name);
      // the month after the partition's month: its end
      return m !== null && Date.UTC(Number(m[1]), Number(m[2]), 1) <= cutoff;
    });
  const dropped: string[] = [];
  for (const name of expired) {
    const r = await pool.query<{ dropped: boolean }>('SELECT workshop_events_drop_partition($1) AS dropped', [name]);
    if (r.rows[0]?.dropped) dropped.push(name);
  }
  // sessions of the last 60 days feed the gauges (a retention of one month drops some): the next gauge refresh
  // reads every workshop again (workshop_changes, NULL: all)
  if (dropped.length > 0) await pool.query('INSERT INTO workshop_changes (workshop_ids) VALUES (NULL)');
  const keys = await pool.query('DELETE FROM workshop_event_ids WHERE occurred_at < $1', [cutoffIso]);
  return { dropped, keysDeleted: keys.rowCount ?? 0 };
}
