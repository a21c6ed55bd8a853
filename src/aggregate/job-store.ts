/**
 * Runs a job on one replica at a time: a PostgreSQL advisory lock held for the run, plus a claim row per
 * scheduled firing (job + minute). The claim is a lease: a firing another replica already ran successfully, or is
 * running within its lease, is skipped; one that failed, or whose claim is unfinished past its lease (its replica
 * died), is taken again, at most `maxAttempts` times. Outcomes land in aggregator_jobs (last success and
 * duration, exported as gauges) and aggregator_runs.
 *
 * Exactly once for success: a claim is taken by one atomic upsert, only from nobody, from a failure or from an
 * expired lease, and only under the job's advisory lock, which the running replica holds until its outcome is
 * recorded. A success recorded is never taken again. (A replica whose connection drops after its work but before
 * the record leaves an unfinished claim: that firing runs again after the lease, which the KPI upserts absorb.)
 */
import { hostname } from 'node:os';
import type pg from 'pg';

export type JobOutcome = 'success' | 'failure' | 'skipped';

export interface JobStoreOptions {
  /** How long a claim stays its runner's without a recorded outcome (default 15 minutes). */
  leaseMs?: number;
  /** Most takes of one firing, the first included (default 5). */
  maxAttempts?: number;
}

/** A firing due to be taken again: failed, or unfinished past its lease. */
export interface RetakeableFiring {
  job: string;
  scheduledForMs: number;
}

const RUNNER = `${hostname()}:${process.pid}`;
const LOCK = `SELECT pg_try_advisory_lock(hashtext('workshop-aggregator'), hashtext($1)) AS ok`;
const UNLOCK = `SELECT pg_advisory_unlock(hashtext('workshop-aggregator'), hashtext($1))`;

/** Whether a claim row `r` may be taken again ($1: most attempts). */
const RETAKEABLE = `r.attempts < $1 AND (r.ok = false OR (r.finished_at IS NULL AND r.lease_until < now()))`;

export class JobStore {
  private readonly leaseMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly pool: pg.Pool,
    opts: JobStoreOptions = {},
  ) {
    this.leaseMs = opts.leaseMs ?? 15 * 60_000;
    this.maxAttempts = opts.maxAttempts ?? 5;
    if (!(this.leaseMs > 0)) throw new Error(`JobStore: leaseMs must be > 0, got ${this.leaseMs}`);
    if (!(this.maxAttempts >= 1)) throw new Error(`JobStore: maxAttempts must be >= 1, got ${this.maxAttempts}`);
  }

  /**
   * Runs `fn` under the job's lock. With `scheduledForMs`, the firing is claimed (or taken again) first and
   * skipped when that is not allowed. Never throws: failures are recorded and returned.
   */
  async run(
    job: string,
    scheduledForMs: number | null,
    fn: () => Promise<void>,
  ): Promise<{ outcome: JobOutcome; error?: unknown }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      return { outcome: 'failure', error };
    }
    let locked = false;
    try {
      locked = (await client.query<{ ok: boolean }>(LOCK, [job])).rows[0]!.ok;
      if (!locked) return { outcome: 'skipped' };
      const at = scheduledForMs === null ? null : new Date(Math.floor(scheduledForMs / 60_000) * 60_000);
      let attempt = 0;
      if (at) {
        const claim = await client.query<{ attempts: number }>(
          `INSERT INTO aggregator_runs AS r (job, scheduled_for, claimed_by, lease_until)
           VALUES ($2, $3, $4, now() + make_interval(secs => $5))
           ON CONFLICT (job, scheduled_for) DO UPDATE
             SET claimed_by = EXCLUDED.claimed_by, started_at = now(), lease_until = EXCLUDED.lease_until,
                 finished_at = NULL, ok = NULL, error = NULL, attempts = r.attempts + 1
           WHERE ${RETAKEABLE}
           RETURNING attempts`,
          [this.maxAttempts, job, at, RUNNER, this.leaseMs / 1000],
        );
        if (claim.rowCount === 0) return { outcome: 'skipped' };
        attempt = claim.rows[0]!.attempts;
      }
      const started = performance.now();
      try {
        await fn();
      } catch (error) {
        await this.record(client, job, at, attempt, { ok: false, error });
        return { outcome: 'failure', error };
      }
      await this.record(client, job, at, attempt, { ok: true, seconds: (performance.now() - started) / 1000 });
      return { outcome: 'success' };
    } catch (error) {
      // the lock, the claim or the record failed (the database went away): the lease lets another replica retry
      return { outcome: 'failure', error };
    } finally {
      if (locked) await client.query(UNLOCK, [job]).catch(() => {});
      client.release();
    }
  }

  /** Firings of `jobs` scheduled in [fromMs, toMs] that may be taken again, oldest first. */
  async retakeable(jobs: readonly string[], fromMs: number, toMs: number): Promise<RetakeableFiring[]> {
    const res = await this.pool.query<{ job: string; scheduled_for: Date }>(
      `SELECT job, scheduled_for FROM aggregator_runs r
        WHERE job = ANY($2) AND scheduled_for BETWEEN $3 AND $4 AND ${RETAKEABLE}
        ORDER BY scheduled_for, job`,
      [this.maxAttempts, jobs, new Date(fromMs), new Date(toMs)],
    );
    return res.rows.map((r) => ({ job: r.job, scheduledForMs: r.scheduled_for.getTime() }));
  }

  private async record(
    client: pg.PoolClient,
    job: string,
    at: Date | null,
    attempt: number,
    r: { ok: true; seconds: number } | { ok: false; error: unknown },
  ) {
    const message = r.ok ? null : String((r.error as Error)?.message ?? r.error).slice(0, 2000);
    if (at) {
      await client.query(
        `UPDATE aggregator_runs SET finished_at = now(), ok = $4, error = $5
          WHERE job = $1 AND scheduled_for = $2 AND attempts = $3`,
        [job, at, attempt, r.ok, message],
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
