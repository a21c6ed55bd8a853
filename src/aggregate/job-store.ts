/**
 * Runs a job on one replica at a time: a PostgreSQL advisory lock held for the run, plus a claim row per
 * scheduled firing (job + minute) so a firing that another replica already ran is skipped. Outcomes land in
 * aggregator_jobs (last success and duration, exported as gauges) and aggregator_runs.
 */
import { hostname } from 'node:os';
import type pg from 'pg';

export type JobOutcome = 'success' | 'failure' | 'skipped';

const RUNNER = `${hostname()}:${process.pid}`;

export class JobStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Runs `fn` under the job's lock. With `scheduledForMs`, the firing is claimed first and skipped when
   * claimed before. Never throws: failures are recorded and returned.
   */
  async run(
    job: string,
    scheduledForMs: number | null,
    fn: () => Promise<void>,
  ): Promise<{ outcome: JobOutcome; error?: unknown }> {
    const client = await this.pool.connect();
    let locked = false;
    try {
      const lock = await client.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_lock(hashtext('workshop-aggregator'), hashtext($1)) AS ok`,
        [job],
      );
      locked = lock.rows[0]!.ok;
      if (!locked) return { outcome: 'skipped' };
      const at = scheduledForMs === null ? null : new Date(Math.floor(scheduledForMs / 60_000) * 60_000);
      if (at) {
        const claim = await client.query(
          `INSERT INTO aggregator_runs (job, scheduled_for, claimed_by) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING 1`,
          [job, at, RUNNER],
        );
        if (claim.rowCount === 0) return { outcome: 'skipped' };
      }
      const started = performance.now();
      try {
        await fn();
      } catch (error) {
        await this.record(client, job, at, { ok: false, error });
        return { outcome: 'failure', error };
      }
      await this.record(client, job, at, { ok: true, seconds: (performance.now() - started) / 1000 });
      return { outcome: 'success' };
    } finally {
      if (locked)
        await client
          .query(`SELECT pg_advisory_unlock(hashtext('workshop-aggregator'), hashtext($1))`, [job])
          .catch(() => {});
      client.release();
    }
  }

  private async record(
    client: pg.PoolClient,
    job: string,
    at: Date | null,
    r: { ok: true; seconds: number } | { ok: false; error: unknown },
  ) {
    const message = r.ok ? null : String((r.error as Error)?.message ?? r.error).slice(0, 2000);
    if (at) {
      await client.query(
        `UPDATE aggregator_runs SET finished_at = now(), ok = $3, error = $4 WHERE job = $1 AND scheduled_for = $2`,
        [job, at, r.ok, message],
      );
    }
    if (r.ok) {
      await client.query(
        `INSERT INTO aggregator_jobs (job, last_success_at, last_duration_seconds) VALUES ($1, now(), $2)
         ON CONFLICT (job) DO UPDATE SET last_success_at = now(), last_duration_seconds = $2`,
        [job, r.seconds],
      );
    } else {
      await client.query(
        `INSERT INTO aggregator_jobs (job, last_failure_at, last_error) VALUES ($1, now(), $2)
         ON CONFLICT (job) DO UPDATE SET last_failure_at = now(), last_error = $2`,
        [job, message],
      );
    }
  }

  /** Forgets claims older than `days` (they only guard firings that cannot recur). */
  async prune(days = 30): Promise<number> {
    const res = await this.pool.query(
      `DELETE FROM aggregator_runs WHERE scheduled_for < now() - make_interval(days => $1)`,
      [days],
    );
    return res.rowCount ?? 0;
  }
}
