/**
 * Three aggregator processes (AGGREGATOR_MODE=only, real `src/main.ts` children) on one PostgreSQL fire the same
 * cron minute: each scheduled firing is computed by one of them, the others skip it. Their wall clock is moved
 * (support/shifted-clock.ts, like libfaketime) so the 01:00 UTC minute — daily_metrics and hourly_checks — comes
 * seconds after they start instead of hours; their start-up catch-up races for the same earlier firings too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withClient } from '../support/database.js';
import { killAll } from '../support/service-process.js';
import { sumOf } from './support/exposition.js';
import { startReplica, type Replica } from './support/replicas.js';

afterAll(killAll);

const HOUR = 3_600_000;
/** How long before the cron minute (on their clock) the processes start: three tsx start-ups on a busy machine. */
const LEAD_MS = 40_000;

/** The next 01:00 UTC at least `LEAD_MS` from now (computed here, independently of the service's periods.ts). */
function nextOneAm(nowMs: number): number {
  const day = Math.floor(nowMs / (24 * HOUR)) * 24 * HOUR;
  for (let t = day + HOUR; ; t += 24 * HOUR) if (t > nowMs + LEAD_MS) return t;
}

describe('when three aggregator replicas fire the same cron minute', () => {
  const replicas: Replica[] = [];
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
  });

  it('then each job is computed once: one claim per firing, one success and two skips', async () => {
    const dbUrl = await createTestDatabase();
    const realNow = Date.now();
    const firing = nextOneAm(realNow);
    const offset = firing - LEAD_MS - realNow;
    const nodeArgs = ['--import', 'tsx', '--import', './test/topology/support/shifted-clock.ts', 'src/main.ts'];
    const env = { TEST_CLOCK_OFFSET_MS: String(offset) };
    replicas.push(...(await Promise.all([1, 2, 3].map(() => startReplica('aggregator', dbUrl, { env, nodeArgs })))));
    const upAt = Date.now() + offset;
    expect(upAt, 'all three must be up before the cron minute (raise LEAD_MS)').toBeLessThan(firing - 2_000);

    const finished = async () =>
      withClient(dbUrl, async (c) => {
        const r = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM aggregator_runs WHERE scheduled_for = $1 AND finished_at IS NOT NULL`,
          [new Date(firing)],
        );
        return r.rows[0]!.n;
      });
    const deadline = Date.now() + LEAD_MS + 60_000;
    while ((await finished()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    await new Promise((r) => setTimeout(r, 2_000)); // the skipping replicas count their skip

    const runs = await withClient(dbUrl, async (c) =>
      (
        await c.query<{ job: string; at: Date; attempts: number; ok: boolean }>(
          `SELECT job, scheduled_for AS at, attempts, ok FROM aggregator_runs ORDER BY scheduled_for, job`,
        )
      ).rows.map((r) => ({ job: r.job, at: r.at.toISOString(), attempts: r.attempts, ok: r.ok })),
    );
    // the cron minute's firings, each claimed once and successful
    const at = new Date(firing).toISOString();
    expect(runs.filter((r) => r.at === at)).toEqual([
      { job: 'daily_metrics', at, attempts: 1, ok: true },
      { job: 'hourly_checks', at, attempts: 1, ok: true },
    ]);
    // and every firing the start-up catch-up raced for (the previous 01:00, this week's Monday 02:00, the 1st 03:00)
    expect(runs.every((r) => r.attempts === 1 && r.ok)).toBe(true);
    expect(runs.map((r) => r.job)).toEqual(expect.arrayContaining(['daily_metrics', 'weekly_metrics']));

    // every replica fired hourly_checks at that minute (it has no catch-up): one success, two skipped
    const texts = await Promise.all(replicas.map(async (r) => (await fetch(`${r.url}/metrics`)).text()));
    const hourly = texts.map((t) => ({
      success: sumOf(t, 'workshop_aggregator_job_runs_total', { aggregator_job: 'hourly_checks', outcome: 'success' }),
      skipped: sumOf(t, 'workshop_aggregator_job_runs_total', { aggregator_job: 'hourly_checks', outcome: 'skipped' }),
    }));
    console.log(
      `cron replicas: firing ${at} (clock moved ${(offset / HOUR).toFixed(2)} h, all up ` +
        `${((firing - upAt) / 1000).toFixed(1)} s before it); hourly_checks per replica ` +
        JSON.stringify(hourly) +
        `; claims ${JSON.stringify(runs)}`,
    );
    expect(hourly.every((h) => h.success + h.skipped === 1)).toBe(true);
    expect(hourly.reduce((a, h) => a + h.success, 0)).toBe(1);

    // the daily firing's days are stored: yesterday and the two days before it
    const days = [1, 2, 3].map((d) => new Date(firing - d * 24 * HOUR).toISOString().slice(0, 10)).sort();
    const rows = await withClient(dbUrl, async (c) =>
      (
        await c.query<{ d: string }>(
          `SELECT to_char(metric_date, 'YYYY-MM-DD') AS d FROM workshop_metrics
            WHERE metric_type = 'daily' AND metric_date = ANY($1::date[]) ORDER BY 1`,
          [days],
        )
      ).rows.map((r) => r.d),
    );
    expect(rows).toEqual(days);
  }, 180_000);
});
